// logout: the end of a sign-in, here and at the provider.
import type { Command } from 'commander';
import { parseServerUrl } from '../protocol/serverUrl.js';
import { HelperError } from '../errors.js';
import type { CliIo } from './io.js';
import { sessionDeps } from './sessionDeps.js';

export function registerLogoutCommand(program: Command, io: CliIo): void {
  program
    .command('logout')
    .description('sign out of REGISTRY: remove its tokens from the keychain and revoke the refresh token at the provider')
    .argument('[registry...]', 'registries to sign out of')
    .option('--all', 'sign out of every registry and remove every docker-credential-oidc keychain item')
    .option('--forget', "also drop the registry's saved settings (issuer, client id, ...)")
    .action(async (registries: string[], flags: { all?: boolean; forget?: boolean }) => {
      const [{ createSessionService }, { readHelperConfig }] = await Promise.all([
        import('../service/sessionService.js'),
        import('../config/helperConfigFile.js'),
      ]);
      const deps = sessionDeps(io);
      const service = createSessionService(deps);
      let keys = registries.map((r) => parseServerUrl(r).key);
      if (flags.all) keys = [...new Set([...keys, ...Object.keys(readHelperConfig(deps.configPath).registries)])];
      if (keys.length === 0 && !flags.all) throw new HelperError('usage', 'name a registry to log out of, or use --all');
      for (const key of keys) {
        const report = await service.logout(key, { forget: Boolean(flags.forget) });
        const notes = [
          report.revoked ? 'refresh token revoked' : null,
          report.sharedWith.length ? `sign-in kept for ${report.sharedWith.join(', ')}` : null,
          !report.removedItem && !report.sessionEnded ? 'was not signed in' : null,
        ].filter(Boolean);
        io.stderr(`Logged out of ${report.registry}${notes.length ? ` (${notes.join('; ')})` : ''}\n`);
        if (report.revocationWarning) io.stderr(`warning: ${report.revocationWarning}\n`);
      }
      if (flags.all) {
        // Static credentials of registries without OIDC, and anything left over.
        const store = deps.store;
        const items = await store.entries();
        for (const { account } of items) await store.remove(account);
        io.stderr(`Removed ${items.length} keychain item(s) of docker-credential-oidc\n`);
      }
    });
}
