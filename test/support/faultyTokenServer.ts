// A token server whose token handler has faults on purpose, run as its own process by
// test/unit/tokenServer/httpGuard.test.ts with the token-server command's process wiring
// (escapedFaultReporter given to the process edge's onEscapedFault, as the command does). The scope asked picks the fault: `throw` (the handler rejects), `escape`
// (a timer callback of the request throws), `unawaited` (a promise of the request nobody awaits
// rejects). Prints its URL, then one JSON line per log entry.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/tokenServer/config.js';
import { escapedFaultReporter, startHttpServer } from '../../src/tokenServer/httpServer.js';
import { onEscapedFault } from '../../src/app/processIo.js';
import { OidcVerifier } from '../../src/tokenServer/oidcVerifier.js';
import { RegistryTokens } from '../../src/tokenServer/registryTokens.js';
import { Rules } from '../../src/tokenServer/rules.js';
import { loadSigningKeys } from '../../src/tokenServer/signingKeys.js';
import { TokenService, type TokenRequest } from '../../src/tokenServer/tokenService.js';
import { makeSigningPair } from './tokenServerProcess.js';

const never = new Promise<never>(() => {});

class FaultyService extends TokenService {
  override async token(request: TokenRequest): ReturnType<TokenService['token']> {
    const fault = request.scopes[0];
    if (fault === 'throw') throw new Error('a bug in the handler');
    if (fault === 'escape') {
      setTimeout(() => {
        throw new Error('a callback of the request threw');
      }, 0);
      return never;
    }
    if (fault === 'unawaited') {
      void Promise.reject(new Error('a promise of the request nobody awaited'));
      return never;
    }
    return super.token(request);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'dco-faulty-'));
const { key, cert } = makeSigningPair(dir, 'signing');
const config = parseConfig(
  `listen: 127.0.0.1:0
service: registry.example.com
issuer: faulty
signing: {key: ${key}, certificate: ${cert}}
providers: [{issuer: "http://127.0.0.1:9", audience: registry}]
rules: [{anonymous: true, repositories: ["public/*"], actions: [pull]}]
`,
  'faulty.yaml',
);
const keys = loadSigningKeys(key, cert);
const service = new FaultyService(
  config.service,
  new OidcVerifier(config.providers, 15, fetch, process.env),
  new Rules(config.rules),
  new RegistryTokens(keys, config.issuer, 300, 3600),
);
const log = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const server = await startHttpServer(config, service, log);
onEscapedFault(escapedFaultReporter(server, log));
log({ msg: 'listening', url: server.url });
