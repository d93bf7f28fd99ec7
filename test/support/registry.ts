// A real CNCF Distribution 2.8 registry (Debian docker-registry) on 127.0.0.1, with htpasswd or token
// authentication, storing in a throw-away directory.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort } from './freePort.js';

export type RegistryAuth =
  { kind: 'htpasswd'; users: Record<string, string> } | { kind: 'token'; realm: string; service: string; issuer: string; rootCertPath: string };

export interface TestRegistry {
  host: string;
  url: string;
  logs(): string;
  stop(): Promise<void>;
}

function authSection(auth: RegistryAuth, htpasswdPath: string): string {
  if (auth.kind === 'htpasswd') return `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${htpasswdPath}\n`;
  return [
    'auth:',
    '  token:',
    `    realm: ${auth.realm}`,
    `    service: ${auth.service}`,
    `    issuer: ${auth.issuer}`,
    `    rootcertbundle: ${auth.rootCertPath}`,
    '',
  ].join('\n');
}

export async function startRegistry(auth: RegistryAuth): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'dco-registry-'));
  const port = await freePort();
  const htpasswdPath = join(dir, 'htpasswd');
  if (auth.kind === 'htpasswd') {
    // Distribution only accepts bcrypt entries.
    const lines = Object.entries(auth.users).map(([user, password]) => execFileSync('htpasswd', ['-nbB', user, password], { encoding: 'utf8' }).trim());
    await writeFile(htpasswdPath, `${lines.join('\n')}\n`);
  }
  const configPath = join(dir, 'config.yml');
  await writeFile(
    configPath,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomUUID()}`,
      authSection(auth, htpasswdPath),
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${output}`);
    const ok = await fetch(`${url}/v2/`).then(
      (r) => r.status === 401 || r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i > 200) throw new Error(`docker-registry did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    logs: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
