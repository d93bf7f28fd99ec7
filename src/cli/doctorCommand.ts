// doctor: checks what get depends on here and prints one line per check, with the fix.
import type { Command } from 'commander';
import type { Deps } from '../service/deps.js';
import { printable } from '../errors.js';
import { traceNotice } from './traceNotice.js';

const MARK = { ok: 'ok     ', warning: 'warning', failed: 'failed ' } as const;

export function registerDoctorCommand(program: Command, deps: Deps, outcome: { exitCode: number }): void {
  const io = deps.terminal;
  program
    .command('doctor')
    .description(
      'check the session bus, keychain, settings, docker config.json, provider, registry, clock and sign-in get depends on; exit 0 when get can work',
    )
    .argument('[registry]', 'only this registry')
    .option('--json', 'machine-readable output')
    .action(async (registry: string | undefined, flags: { json?: boolean }) => {
      const { runDoctor } = await import('../service/doctor/doctor.js');
      const report = await runDoctor(deps, registry);
      const trace = await traceNotice(deps.env);
      outcome.exitCode = report.healthy ? 0 : 1;
      if (flags.json) {
        io.stdout(`${JSON.stringify({ healthy: report.healthy, ...(trace ? { debugTrace: trace.path } : {}), checks: report.checks }, null, 2)}\n`);
        return;
      }
      for (const check of report.checks) {
        const subject = check.registry ? `${check.check} (${check.registry})` : check.check;
        io.stdout(printable(`${MARK[check.status]} ${subject}: ${check.detail}${check.fix ? `. Fix: ${check.fix}` : ''}`) + '\n');
      }
      if (trace) io.stdout(trace.line);
      io.stdout(report.healthy ? 'get can work here.\n' : 'get cannot work here until the failed checks are fixed.\n');
    });
}
