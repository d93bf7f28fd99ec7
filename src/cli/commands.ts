// The human commands, wired with commander. Loaded only when argv is not a bare protocol action.
import { Command, CommanderError } from 'commander';
import type { Deps } from '../service/deps.js';
import { USAGE_EXIT_CODE, reportError } from '../errors.js';
import { PROGRAM_NAME, RUNTIME, VERSION } from '../version.js';
import { trace } from '../runtime/trace.js';
import { registerLoginCommand } from './loginCommand.js';
import { registerLogoutCommand } from './logoutCommand.js';
import { registerKubeletCommand } from './kubeletCommand.js';
import { registerExportCommands } from './exportCommands.js';
import { registerStatusCommand } from './statusCommand.js';
import { registerDoctorCommand } from './doctorCommand.js';
import { registerConfigureDockerCommand } from './configureDockerCommand.js';
import { registerTokenServerCommand } from './tokenServerCommand.js';

function buildProgram(deps: Deps, outcome: { exitCode: number }): Command {
  const io = deps.terminal;
  const program = new Command(PROGRAM_NAME)
    .description(
      'Docker credential helper: signs in to private registries with OpenID Connect (device flow, MFA included) and keeps every secret in the OS keychain.',
    )
    .version(`${VERSION} (Node.js ${RUNTIME} inside)`, '-v, --version', 'print the version')
    .helpCommand(true)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .addHelpText(
      'after',
      `
Credential-helper protocol (called by docker, skopeo, podman, buildah, BuildKit):
  store    {"ServerURL","Username","Secret"} on stdin; saves it in the keychain
  get      server URL on stdin; prints {"ServerURL","Username","Secret"}
  erase    server URL on stdin; removes what is stored for it
  list     prints {"serverURL":"username",...} of our items
  version  prints the version`,
    );

  // Bare protocol verbs never reach commander (app/program.ts answers them); these entries only make
  // `get extra` or `store --x` a usage error instead of an unknown command.
  for (const action of ['store', 'get', 'erase', 'list'] as const) {
    program.command(action, { hidden: true }).description(`credential-helper protocol: ${action} (reads stdin)`);
  }
  program
    .command('version')
    .description('print the version')
    .action(() => io.stdout(`${PROGRAM_NAME} ${VERSION} (Node.js ${RUNTIME} inside)\n`));

  registerLoginCommand(program, deps);
  registerLogoutCommand(program, deps);
  registerStatusCommand(program, deps, outcome);
  registerDoctorCommand(program, deps, outcome);
  registerConfigureDockerCommand(program, deps);
  registerKubeletCommand(program, deps);
  registerExportCommands(program, deps);
  registerTokenServerCommand(program, deps);
  return program;
}

export async function runCli(args: string[], deps: Deps): Promise<number> {
  try {
    const outcome = { exitCode: 0 };
    await buildProgram(deps, outcome).parseAsync(args, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' || error.exitCode === 0) return 0;
      return USAGE_EXIT_CODE;
    }
    const report = reportError(error, 'person', PROGRAM_NAME);
    trace('error', { message: report.stderr.trim() });
    deps.terminal.stderr(report.stderr);
    return report.exitCode;
  }
}
