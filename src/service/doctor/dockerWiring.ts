// Whether the clients ask us at all. docker reads credHelpers, then credsStore; skopeo, podman and
// buildah read only credHelpers (measured with skopeo 1.9, podman 4.3, buildah 1.28). An entry of
// another helper for the same registry wins over our credsStore.
import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HELPER_NAME, dockerRegistryKey, parseDockerConfig, type DockerConfig } from '../../config/dockerConfig.js';
import { readDockerConfigFile } from '../../config/dockerConfigFile.js';
import { lookup } from '../../config/ownKeys.js';
import { dockerConfigPath } from '../../runtime/paths.js';
import { fromError, ok, problem, type CheckResult, type DoctorContext } from './check.js';

const CHECK = 'config.json';
const PROGRAM = `docker-credential-${HELPER_NAME}`;

/** docker runs docker-credential-NAME from PATH: is there one? */
export function checkOnPath(env: NodeJS.ProcessEnv): CheckResult {
  const names = process.platform === 'win32' ? [`${PROGRAM}.exe`, `${PROGRAM}.cmd`] : [PROGRAM];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const path = join(dir, name);
      try {
        if (existsSync(path) && statSync(path).isFile()) return ok('helper on PATH', path);
      } catch {
        // unreadable directory: next
      }
    }
  }
  return problem(
    'failed',
    'helper on PATH',
    `docker runs ${PROGRAM} from PATH and there is none on it`,
    `put the binary's directory on PATH, or link it into /usr/local/bin`,
  );
}

function wiringOf(config: DockerConfig, key: string, registry: string, path: string): CheckResult {
  const helper = lookup(config.credHelpers, key);
  const configure = `run "docker-credential-oidc configure-docker ${registry}"`;
  if (helper === HELPER_NAME) return ok(CHECK, `credHelpers sends ${registry} here (docker, skopeo, podman, buildah)`, registry);
  if (helper !== undefined) {
    return problem('failed', CHECK, `credHelpers in ${path} sends ${registry} to docker-credential-${helper}, which shadows this helper`, configure, registry);
  }
  if (config.credsStore === HELPER_NAME) {
    return problem(
      'warning',
      CHECK,
      `only credsStore points here: docker asks this helper, but skopeo, podman and buildah read only credHelpers`,
      `${configure} to add a credHelpers entry`,
      registry,
    );
  }
  if (config.credsStore) {
    return problem(
      'failed',
      CHECK,
      `credsStore sends ${registry} to docker-credential-${config.credsStore} and no credHelpers entry points here`,
      configure,
      registry,
    );
  }
  return problem('failed', CHECK, `nothing in ${path} sends ${registry} to this helper`, configure, registry);
}

export function checkDockerWiring(context: DoctorContext): CheckResult[] {
  const path = dockerConfigPath(context.deps.env);
  let config: DockerConfig;
  try {
    const file = readDockerConfigFile(path);
    config = parseDockerConfig(file.text, path);
  } catch (error) {
    return [fromError('failed', CHECK, error)];
  }
  if (context.targets.length === 0) {
    return [config.credsStore === HELPER_NAME ? ok(CHECK, `credsStore points here (${path})`) : ok(CHECK, `${path} read; no registry to look up yet`)];
  }
  return context.targets.map((target) => wiringOf(config, dockerRegistryKey(target.entry.serverURL), target.registry, path));
}
