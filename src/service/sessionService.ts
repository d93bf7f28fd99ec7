// The OIDC side of the protocol (renewal, logout, recognising our own tokens), bound to real
// dependencies. Imported lazily by the protocol path and used by the human commands.
import { readHelperConfig, updateHelperConfig } from '../config/helperConfigFile.js';
import { registriesOfSession } from '../config/helperConfig.js';
import { sessionKeyOf } from '../config/registrySettings.js';
import { createFetch } from '../oidc/httpClient.js';
import { revokeRefreshToken } from '../oidc/revocation.js';
import { hostWithPort, parseServerUrl } from '../protocol/serverUrl.js';
import type { LogoutReport, SessionPort } from './sessionPort.js';
import { credentialFromSession, readSession, type SessionDeps } from './sessionCredential.js';

export function createSessionService(deps: SessionDeps): SessionPort {
  return {
    credentialFromSession: (key) => credentialFromSession(key, deps),

    async currentRefreshToken(key) {
      const entry = readHelperConfig(deps.configPath).registries[key];
      if (!entry) return undefined;
      return (await readSession(deps.store, sessionKeyOf(entry)))?.refreshToken;
    },

    async logout(key, { forget }): Promise<LogoutReport> {
      const config = readHelperConfig(deps.configPath);
      const entry = config.registries[key];
      const registry = entry ? hostWithPort(parseServerUrl(entry.serverURL)) : key;
      const report: LogoutReport = { registry, removedItem: false, sessionEnded: false, revoked: false, sharedWith: [] };
      report.removedItem = await deps.store.remove(key);
      if (entry) {
        const sessionKey = sessionKeyOf(entry);
        // Other registries behind the same sign-in keep it; the session ends with the last one.
        report.sharedWith = registriesOfSession(config, entry.issuer, entry.clientId).filter((k) => k !== key);
        const othersSignedIn = (await Promise.all(report.sharedWith.map((k) => deps.store.read(k)))).some((v) => v !== null);
        if (!othersSignedIn) {
          await deps.withLock(sessionKey, async () => {
            const session = await readSession(deps.store, sessionKey);
            if (!session) return;
            const metadata = config.providers[entry.issuer];
            if (session.refreshToken && metadata?.revocation_endpoint) {
              const fetch = (deps.fetchFor ?? ((caFile) => createFetch({ caFile, env: deps.env })))(entry.caFile);
              const outcome = await revokeRefreshToken(metadata, entry.clientId, session.refreshToken, fetch);
              report.revoked = outcome.revoked;
              if (outcome.warning) report.revocationWarning = outcome.warning;
            }
            report.sessionEnded = await deps.store.remove(sessionKey);
          });
          report.sharedWith = [];
        }
      }
      if (forget && entry) {
        await updateHelperConfig(deps.configPath, deps.withLock, (c) => {
          const registries = { ...c.registries };
          delete registries[key];
          return { ...c, registries };
        });
      }
      return report;
    },
  };
}
