// logout: the end of a sign-in, here and at the provider.
import type { Command } from 'commander';
import type { Deps } from '../service/deps.js';
import { HelperError } from '../errors.js';
import { parseServerUrl } from '../protocol/registryAddress.js';
import type { LogoutReport } from '../service/logout.js';

function describe(report: LogoutReport): string {
  const notes = [
    report.revoked ? 'refresh token revoked' : null,
    report.sharedWith.length ? `sign-in kept for ${report.sharedWith.join(', ')}` : null,
    !report.removedItem && !report.sessionEnded ? 'was not signed in' : null,
  ].filter(Boolean);
  return `Logged out of ${report.registry}${notes.length ? ` (${notes.join('; ')})` : ''}\n${report.revocationWarning ? `warning: ${report.revocationWarning}\n` : ''}`;
}

export function registerLogoutCommand(program: Command, deps: Deps): void {
  program
    .command('logout')
    .description('sign out of REGISTRY: remove its tokens from the keychain and revoke the refresh token at the provider')
    .argument('[registry...]', 'registries to sign out of')
    .option('--all', 'sign out of every registry and remove every docker-credential-oidc keychain item')
    .option('--forget', "also drop the registry's saved settings (issuer, client id, ...)")
    .action(async (registries: string[], flags: { all?: boolean; forget?: boolean }) => {
      const { logoutAll, logoutRegistry } = await import('../service/logout.js');
      const forget = Boolean(flags.forget);
      const say = (text: string) => deps.terminal.stderr(text);
      if (registries.length === 0 && !flags.all) throw new HelperError('usage', 'name a registry to log out of, or use --all');
      for (const registry of registries) say(describe(await logoutRegistry(deps, parseServerUrl(registry).key, { forget })));
      if (flags.all) {
        const report = await logoutAll(deps, { forget });
        for (const registry of report.registries) say(describe(registry));
        say(`Removed ${report.removedItems} other keychain item(s) of docker-credential-oidc\n`);
      }
    });
}
