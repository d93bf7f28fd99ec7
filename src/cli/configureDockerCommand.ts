import type { Command } from 'commander';
import type { Deps } from '../service/deps.js';
import { HelperError } from '../errors.js';

const CLIENTS_HELP = `
Which clients read which key (measured with docker 28, skopeo 1.9, podman 4.3, buildah 1.28):
  credHelpers  docker, BuildKit, skopeo, podman, buildah   (the default here: works everywhere)
  credsStore   docker and BuildKit only; skopeo, podman and buildah ignore it`;

export function registerConfigureDockerCommand(program: Command, deps: Deps): void {
  const io = deps.terminal;
  program
    .command('configure-docker')
    .description("point docker's config.json at this helper, and move clear-text passwords from it into the keychain")
    .argument('[registry...]', 'registries to add to credHelpers (default: every registry you signed in to)')
    .option('--creds-store', 'set "credsStore": "oidc" (every registry, docker and BuildKit only) instead of credHelpers')
    .option('--undo', 'remove only the entries that point at this helper')
    .option('--migrate', 'move clear-text auths entries into the keychain without asking')
    .option('--no-migrate', 'never touch clear-text auths entries')
    .addHelpText('after', CLIENTS_HELP)
    .action(async (registries: string[], flags: { credsStore?: boolean; undo?: boolean; migrate?: boolean }) => {
      const { configureDocker } = await import('../service/configureDocker.js');
      const report = await configureDocker(deps, {
        registries,
        credsStore: Boolean(flags.credsStore),
        undo: Boolean(flags.undo),
        migrate: async (found, path) => {
          io.stderr(`${path} holds ${found.length} password(s) in clear text: ${found.map((p) => `${p.key} (${p.username})`).join(', ')}\n`);
          if (flags.migrate !== undefined) return flags.migrate;
          return io.isStdinTty && (await io.confirm('Move them into the keychain and remove them from config.json? [y/N] '));
        },
      });
      const path = report.path;
      const lines: string[] = [...report.notes];
      if (flags.undo) lines.push(report.changed ? `Removed this helper's entries from ${path}` : `${path} has no entries of this helper`);
      if (report.credsStore) lines.push(`credsStore is "oidc" in ${path} (docker and BuildKit; skopeo, podman and buildah need credHelpers)`);
      if (report.helpersAdded.length) lines.push(`credHelpers now send ${report.helpersAdded.join(', ')} to this helper`);
      if (report.migrated.length) lines.push(`Moved into the keychain and removed from ${path}: ${report.migrated.join(', ')}`);
      if (report.plaintext.length && !report.migrated.length && !report.failed.length && !report.kept.length)
        lines.push('Clear-text passwords were left in place: run configure-docker --migrate to move them');
      if (!lines.length && report.nothingToConfigure && !report.plaintext.length) {
        lines.push('No registry to configure: name one (configure-docker REGISTRY), or sign in first with registry-login REGISTRY');
      } else if (!lines.length && !report.kept.length && !report.skipped.length) {
        lines.push(`${path} already points at this helper; nothing to change`);
      }
      io.stderr(`${lines.join('\n')}\n`);
      if (report.failed.length) throw new HelperError('keychain-failure', `could not move ${report.failed.join(', ')} into the keychain; they stay in ${path}`);
    });
}
