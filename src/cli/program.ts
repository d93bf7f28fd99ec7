// The human commands, wired with commander. Loaded only when argv is not a bare protocol action.
import { Command, CommanderError } from 'commander';
import { HelperError, describeUnexpected, exitCodeFor, oneLine } from '../errors.js';
import { PROGRAM_NAME, VERSION } from '../version.js';
import type { CliIo } from './io.js';
import { registerLoginCommand } from './loginCommand.js';
import { registerLogoutCommand } from './logoutCommand.js';
import { registerStatusCommand } from './statusCommand.js';
import { registerConfigureDockerCommand } from './configureDockerCommand.js';

/** Misuse of a human command (unknown flag, missing argument) exits 2, like most CLIs. */
const USAGE_EXIT_CODE = 2;

export function buildProgram(io: CliIo): Command {
  const program = new Command(PROGRAM_NAME)
    .description(
      'Docker credential helper: signs in to private registries with OpenID Connect (device flow, MFA included) and keeps every secret in the OS keychain.',
    )
    .version(VERSION, '-v, --version', 'print the version')
    .helpCommand(true)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
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

  // Bare protocol verbs never reach commander (main.ts answers them); these entries only make
  // `get extra` or `store --x` a usage error instead of an unknown command.
  for (const action of ['store', 'get', 'erase', 'list'] as const) {
    program.command(action, { hidden: true }).description(`credential-helper protocol: ${action} (reads stdin)`);
  }
  program
    .command('version')
    .description('print the version')
    .action(() => io.stdout(`${PROGRAM_NAME} ${VERSION}\n`));

  registerLoginCommand(program, io);
  registerLogoutCommand(program, io);
  registerStatusCommand(program, io);
  registerConfigureDockerCommand(program, io);
  return program;
}

export async function runCli(args: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      if (error.code === 'commander.help') return 0;
      return USAGE_EXIT_CODE;
    }
    const failure = error instanceof HelperError ? error : null;
    io.stderr(`${PROGRAM_NAME}: ${oneLine(failure ? failure.message : describeUnexpected(error))}\n`);
    return failure ? (failure.code === 'usage' ? USAGE_EXIT_CODE : exitCodeFor(failure)) : 1;
  }
}
