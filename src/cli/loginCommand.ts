import type { Command } from 'commander';
import { HelperError } from '../errors.js';
import type { CliIo } from './io.js';

export function registerLoginCommand(program: Command, _io: CliIo, _setExitCode: (code: number) => void): void {
  program
    .command('login')
    .alias('registry-login')
    .description('sign in to REGISTRY with its OpenID provider (device flow) and keep the tokens in the keychain')
    .argument('<registry>', 'registry host[:port]')
    .allowUnknownOption(false)
    .action(() => {
      throw new HelperError('not-implemented', 'registry-login is not implemented yet');
    });
}
