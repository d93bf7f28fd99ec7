// Our own `docker-credential-oidc token-server`, run as the built binary from a configuration file
// the test writes (docs/token-server.md's example with the test's paths), with its JSON log lines collected.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helperBinary } from './helperBinary.js';
import { freePort } from './freePort.js';
import { PIPELINE_CLIENTS, type Idp } from './idp.js';

export interface TokenServerProcess {
  url: string;
  service: string;
  issuer: string;
  /** The registry's rootcertbundle. */
  certificatePath: string;
  /** What startRegistry needs to send its clients here. */
  registryAuth: { kind: 'token'; realm: string; service: string; issuer: string; rootCertPath: string };
  keyPath: string;
  dir: string;
  /** Every JSON line it logged so far. */
  logs(): Array<Record<string, unknown>>;
  stdout(): string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** A self-signed signing certificate, as an operator makes one with openssl. */
export function makeSigningPair(dir: string, name: string, kind: 'ec' | 'rsa' = 'ec'): { key: string; cert: string } {
  const key = join(dir, `${name}.key.pem`);
  const cert = join(dir, `${name}.cert.pem`);
  const keyArgs = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { key, cert };
}

/** Starts the binary with `configYaml(paths)`, where paths name the key and certificate it made. */
export async function startTokenServerProcess(
  configYaml: (paths: { listen: string; key: string; cert: string; dir: string }) => string,
  options: { env?: NodeJS.ProcessEnv; signing?: { key: string; cert: string }; dir?: string } = {},
): Promise<TokenServerProcess> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'dco-token-server-')));
  const { key, cert } = options.signing ?? makeSigningPair(dir, 'signing');
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const configPath = join(dir, `config-${port}.yaml`);
  const text = configYaml({ listen, key, cert, dir });
  await writeFile(configPath, text);
  const service = /^service:\s*(\S+)/m.exec(text)![1];
  const issuer = /^issuer:\s*(\S+)/m.exec(text)![1];
  const child = spawn(helperBinary, ['token-server', '--config', configPath], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; !out.includes('"msg":"listening"'); i++) {
    if (child.exitCode !== null || i > 400) throw new Error(`token-server did not start: ${err}${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const logs = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const url = `${/^tls:/m.test(text) ? 'https' : 'http'}://${listen}`;
  return {
    url,
    service,
    issuer,
    certificatePath: cert,
    registryAuth: { kind: 'token', realm: `${url}/token`, service, issuer, rootCertPath: cert },
    keyPath: key,
    dir,
    logs,
    stdout: () => out,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (!options.dir) await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/**
 * A pipeline's two credentials for `server`: the provider's access token (client credentials) and
 * the registry refresh token the server's exchange gives for it.
 */
export async function pipelineCredentials(idp: Idp, server: TokenServerProcess): Promise<{ accessToken: string; refreshToken: string }> {
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  const provider = await fetch(
    `${idp.issuer}/token`,
    form({ grant_type: 'client_credentials', client_id: PIPELINE_CLIENTS.secret, client_secret: idp.pipeline.clientSecret, resource: idp.resource }),
  );
  const accessToken = ((await provider.json()) as { access_token: string }).access_token;
  const exchange = await fetch(`${server.url}/oauth2/exchange`, form({ grant_type: 'access_token', service: server.service, access_token: accessToken }));
  return { accessToken, refreshToken: ((await exchange.json()) as { refresh_token: string }).refresh_token };
}

/**
 * The product's token server for tests about something else than its rules (pipelines, clients): one
 * provider, and every subject it signs may pull and push `repositories`. Start it with
 * startTokenServerProcess(openRules(idp, [...])) and the registry with startRegistry(server.registryAuth).
 */
export function openRules(idp: { issuer: string; resource: string }, repositories: string[]) {
  return (paths: { listen: string; key: string; cert: string }): string => `listen: ${paths.listen}
service: registry.example.com
issuer: registry-token-server
signing: {key: ${paths.key}, certificate: ${paths.cert}}
providers: [{issuer: "${idp.issuer}", audience: "${idp.resource}"}]
rules:
  - match: {sub: "*"}
    repositories: ${JSON.stringify(repositories)}
    actions: [pull, push]
`;
}
