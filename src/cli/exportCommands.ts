// pull-secret and export-config: credentials printed for what cannot run a helper. The output is a
// secret: it goes to stdout only (for kubectl apply -f -, or a CI variable), never to a file of ours.
import { Option, type Command } from 'commander';
import type { Deps } from '../service/deps.js';
import { HelperError } from '../errors.js';
import { formatTime } from './formatTime.js';
import { checkNamespace, checkObjectName } from './kubernetesNames.js';

const EXPIRES_ANNOTATION = 'docker-credential-oidc/expires-at';

export function registerExportCommands(program: Command, deps: Deps): void {
  program
    .command('pull-secret')
    .description('print a kubernetes.io/dockerconfigjson Secret for REGISTRY... (credentials as get obtains them; the output is a secret)')
    .argument('<registry...>')
    .option('--name <name>', "the Secret's name (an RFC 1123 name, as Kubernetes requires)", 'regcred')
    .option('--namespace <ns>', "the Secret's namespace (an RFC 1123 label)")
    .addOption(new Option('-o, --output <format>', 'yaml or json').choices(['yaml', 'json']).default('yaml'))
    .option('--allow-short-lived', 'make it even when a credential expires within the hour')
    .action(async (servers: string[], flags: { name: string; namespace?: string; output: 'yaml' | 'json'; allowShortLived?: boolean }) => {
      checkObjectName(flags.name);
      if (flags.namespace !== undefined) checkNamespace(flags.namespace);
      const { exportCredentials, dockerConfigOf, shortLived } = await import('../service/exportCredentials.js');
      const credentials = await exportCredentials(deps, servers);
      const short = shortLived(credentials, deps.nowS());
      if (short.length > 0 && !flags.allowShortLived) {
        const list = short.map((s) => `${s.registry} in ${Math.round(s.seconds / 60)} min`).join(', ');
        throw new HelperError(
          'invalid-input',
          `the credentials expire soon (${list}), and a pull secret made of them then stops working without a word: let the kubelet ask this helper instead (docker-credential-oidc kubelet-credential-provider, see docs/kubernetes.md), or add --allow-short-lived`,
        );
      }
      const expiries = credentials.filter((c) => c.expiresAt !== null).map((c) => c.expiresAt!);
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/dockerconfigjson',
        metadata: {
          name: flags.name,
          ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
          annotations: {
            [EXPIRES_ANNOTATION]: expiries.length ? new Date(Math.min(...expiries) * 1000).toISOString() : 'never',
            'docker-credential-oidc/registries': credentials.map((c) => c.registry).join(','),
          },
        },
        data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfigOf(credentials))).toString('base64') },
      };
      if (flags.output === 'json') deps.terminal.stdout(`${JSON.stringify(secret, null, 2)}\n`);
      else deps.terminal.stdout((await import('yaml')).stringify(secret));
      if (expiries.length) deps.terminal.stderr(`note: this Secret holds credentials until ${formatTime(Math.min(...expiries))}; it is a secret\n`);
    });

  program
    .command('export-config')
    .description('print a config.json with inline auths for REGISTRY... (kaniko, BuildKit pods, DOCKER_AUTH_CONFIG); the output is a secret')
    .argument('<registry...>')
    .action(async (servers: string[]) => {
      const { exportCredentials, dockerConfigOf } = await import('../service/exportCredentials.js');
      const credentials = await exportCredentials(deps, servers);
      deps.terminal.stdout(`${JSON.stringify(dockerConfigOf(credentials), null, 2)}\n`);
      const expiries = credentials.filter((c) => c.expiresAt !== null).map((c) => c.expiresAt!);
      if (expiries.length) deps.terminal.stderr(`note: these credentials expire at ${formatTime(Math.min(...expiries))}\n`);
    });
}
