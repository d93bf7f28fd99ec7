// token-server: the Distribution token endpoint that accepts OIDC sign-ins (see src/tokenServer/).
// Runs until SIGTERM or SIGINT, then lets requests in flight finish.
import type { Command } from 'commander';
import type { Deps } from '../service/deps.js';

export function registerTokenServerCommand(program: Command, deps: Deps): void {
  program
    .command('token-server')
    .description('serve registry tokens for a Distribution registry (auth.token.realm), accepting OIDC tokens from your providers')
    .requiredOption('--config <file>', 'YAML or JSON configuration (listen, service, issuer, signing, providers, rules)')
    .option('--check', 'validate the configuration and the signing key, then exit')
    .action(async (flags: { config: string; check?: boolean }) => {
      const { loadTokenServer } = await import('../tokenServer/load.js');
      const { loadConfig, startTokenServer, loadSigningKeys, escapedFaultReporter } = await loadTokenServer();
      const config = loadConfig(flags.config);
      if (flags.check) {
        const { current } = loadSigningKeys(config.signing.key, config.signing.certificate);
        deps.terminal.stdout(`${flags.config}: valid; signs ${current.alg} with key id ${current.kid}\n`);
        return;
      }
      const log = (line: Record<string, unknown>) => deps.terminal.stdout(`${JSON.stringify(line)}\n`);
      const server = await startTokenServer(config, log, deps.env);
      log({ time: new Date().toISOString(), msg: 'listening', url: server.url, service: config.service, issuer: config.issuer });
      deps.terminal.onEscapedFault(escapedFaultReporter(server, log));
      const signal = await deps.terminal.stopRequested();
      log({ time: new Date().toISOString(), msg: 'shutting down', signal });
      await server.close();
    });
}
