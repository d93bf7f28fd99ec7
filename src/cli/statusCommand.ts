// status: what is configured and signed in, never a secret.
import type { Command } from 'commander';
import type { Deps } from '../deps.js';
import { printable } from '../errors.js';
import { shortLivedAdvice } from './shortLivedAdvice.js';
import { formatTime } from './formatTime.js';

const time = (epochS: number | null) => (epochS === null ? '-' : formatTime(epochS));

export function registerStatusCommand(program: Command, deps: Deps): void {
  const io = deps.terminal;
  program
    .command('status')
    .description('show each configured registry: provider, user, mode, token expiry (never a secret)')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }) => {
      const { registryStatuses } = await import('../service/status.js');
      const { registries: statuses, orphanedSessions } = await registryStatuses(deps);
      if (flags.json) {
        // An array of registries, as before; sign-ins no registry uses are listed on stderr.
        io.stdout(`${JSON.stringify(statuses, null, 2)}\n`);
      }
      for (const orphan of orphanedSessions) {
        io.stderr(`A sign-in at ${orphan.issuer} (client ${orphan.clientId}) is kept but no registry uses it: remove it with "docker-credential-oidc logout --all"\n`);
      }
      if (flags.json) return;
      if (statuses.length === 0) {
        io.stdout('No registry is configured. Sign in with: registry-login REGISTRY --issuer URL --client-id ID\n');
        return;
      }
      for (const s of statuses) {
        // Usernames come from claims and from docker: printed only as printable text.
        io.stdout(printable(
          [
            `${s.registry}`,
            `  provider:       ${s.issuer} (client ${s.clientId})`,
            `  mode:           ${s.mode}${s.staticCredential ? ' (overridden by a docker login password)' : ''}`,
            `  user:           ${s.user ?? '-'}`,
            `  signed in:      ${s.signedIn ? 'yes' : 'no'}`,
            `  refresh token:  ${s.refreshToken ? 'held in the keychain' : 'none'}`,
            `  token expires:  ${time(s.accessTokenExpiresAt)}`,
            ...(s.sessionValidUntil ? [`  session until:  ${time(s.sessionValidUntil)}`] : []),
            ...(s.unreadable ? [`  unreadable:     ${s.unreadable}`] : []),
            ...(s.shortLivedCredential ? [`  note:           ${shortLivedAdvice(s.shortLivedCredential)}`] : []),
          ].join('\n') + '\n',
        ));
      }
    });
}
