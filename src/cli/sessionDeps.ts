import type { SessionDeps } from '../service/sessionCredential.js';
import type { CliIo } from './io.js';

export function sessionDeps(io: CliIo): SessionDeps {
  const { ports } = io;
  return { store: ports.store(), withLock: ports.withLock, configPath: ports.configPath, env: ports.env, nowS: ports.nowS };
}
