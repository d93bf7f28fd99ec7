// status: what is configured and signed in, never a secret.
import type { Command } from 'commander';
import type { Deps } from '../service/deps.js';
import { printable } from '../errors.js';
import { shortLivedAdvice } from './shortLivedAdvice.js';
import { formatTime } from './formatTime.js';
import { traceNotice } from './traceNotice.js';

const STORE_NAMES = { 'secret-service': 'keychain (Secret Service)', kernel: 'kernel keyring', none: 'nothing (a grant at every get)' } as const;

const time = (epochS: number | null) => (epochS === null ? '-' : formatTime(epochS));

/** `outcome.exitCode` is how a command that printed its answer says it was a "no" (status --check). */
export function registerStatusCommand(program: Command, deps: Deps, outcome: { exitCode: number }): void {
  const io = deps.terminal;
  program
    .command('status')
    .description('show each configured registry: provider, user, mode, token expiry (never a secret)')
    .argument('[registry]', 'with --check: only this registry')
    .option('--json', 'machine-readable output')
    .option('--check', 'exit 0 when get can answer for every registry (or REGISTRY) right now without a person, else 1 with the reason')
    .action(async (registry: string | undefined, flags: { json?: boolean; check?: boolean }) => {
      const { registryStatuses, checkReadiness } = await import('../service/status.js');
      // On stderr: stdout's shape (--json, --check) stays what tools parse.
      const trace = await traceNotice(deps.env);
      if (trace) io.stderr(trace.line);
      if (flags.check || registry !== undefined) {
        const checks = await checkReadiness(deps, registry);
        if (flags.json) io.stdout(`${JSON.stringify(checks, null, 2)}\n`);
        else if (checks.length === 0) io.stdout('No registry is configured: nothing to check.\n');
        for (const c of checks) if (!flags.json) io.stdout(printable(`${c.registry}: ${c.ready ? 'ready' : `not ready: ${c.reason}`}`) + '\n');
        outcome.exitCode = checks.length > 0 && checks.every((c) => c.ready) ? 0 : 1;
        return;
      }
      const { registries: statuses, orphanedSessions } = await registryStatuses(deps);
      if (flags.json) {
        // An array of registries, as before; sign-ins no registry uses are listed on stderr.
        io.stdout(`${JSON.stringify(statuses, null, 2)}\n`);
      }
      for (const orphan of orphanedSessions) {
        io.stderr(
          `A sign-in at ${orphan.issuer} (client ${orphan.clientId}) is kept but no registry uses it: remove it with "docker-credential-oidc logout --all"\n`,
        );
      }
      if (flags.json) return;
      if (statuses.length === 0) {
        io.stdout('No registry is configured. Sign in with: registry-login REGISTRY --issuer URL --client-id ID\n');
        return;
      }
      for (const s of statuses) {
        // Usernames come from claims and from docker: printed only as printable text.
        io.stdout(
          printable(
            [
              `${s.registry}`,
              `  provider:       ${s.issuer} (client ${s.clientId})`,
              `  mode:           ${s.mode}${s.staticCredential ? ' (overridden by a docker login password)' : ''}`,
              `  user:           ${s.user ?? '-'}`,
              `  signed in:      ${s.pipeline ? `yes, without a person (get runs --grant ${s.grant})` : s.signedIn ? 'yes' : 'no'}`,
              `  tokens kept in: ${STORE_NAMES[s.store]}`,
              ...(s.pipeline ? [] : [`  refresh token:  ${s.refreshToken ? `held in the ${STORE_NAMES[s.store]}` : 'none'}`]),
              `  token expires:  ${time(s.accessTokenExpiresAt)}`,
              ...(s.sessionValidUntil ? [`  session until:  ${time(s.sessionValidUntil)}`] : []),
              ...(s.unreadable ? [`  unreadable:     ${s.unreadable}`] : []),
              ...(s.shortLivedCredential ? [`  note:           ${shortLivedAdvice(s.shortLivedCredential)}`] : []),
            ].join('\n') + '\n',
          ),
        );
      }
    });
}
