// kubelet-credential-provider: the exec plugin the kubelet runs for each image of its matchImages
// (request on stdin, response on stdout). Never interactive and bounded in time: a kubelet waiting
// on a provider waits with a pod's start.
import type { Command } from 'commander';
import { SettingsFile } from '../config/settingsFile.js';
import type { Deps } from '../service/deps.js';
import { HelperError } from '../errors.js';

/** Well under the kubelet's own patience with an image pull. */
const DEFAULT_TIMEOUT_S = 20;

export function registerKubeletCommand(program: Command, deps: Deps): void {
  program
    .command('kubelet-credential-provider')
    .description("answer the kubelet's CredentialProviderRequest on stdin (credentialprovider.kubelet.k8s.io v1, v1beta1, v1alpha1)")
    .option('--config <path>', 'the settings file (default: DOCKER_CREDENTIAL_OIDC_CONFIG, else ~/.config/docker-credential-oidc/config.json)')
    .option('--timeout <seconds>', `give up after this long (default ${DEFAULT_TIMEOUT_S})`)
    .action(async (flags: { config?: string; timeout?: string }) => {
      const seconds = flags.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(flags.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0)
        throw new HelperError('invalid-input', `--timeout ${JSON.stringify(flags.timeout)} is not a number of seconds`);
      const { provideForKubelet } = await import('../service/kubeletProvider.js');
      const scoped: Deps = flags.config ? { ...deps, settings: new SettingsFile(flags.config, deps.withLock) } : deps;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new HelperError(
                'idp-unreachable',
                `no credential within ${seconds} s (the provider or the registry is slow or unreachable): the kubelet will ask again`,
              ),
            ),
          seconds * 1000,
        );
        timer.unref();
      });
      try {
        const answer = await Promise.race([provideForKubelet(scoped, deps.terminal.readInput()), deadline]);
        deps.terminal.stdout(`${JSON.stringify(answer)}\n`);
      } finally {
        clearTimeout(timer);
      }
    });
}
