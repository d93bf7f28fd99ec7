// Our settings file: readable, valid, and naming the registry asked about.
import { existsSync } from 'node:fs';
import { settingsPath } from '../../runtime/paths.js';
import type { Deps } from '../deps.js';
import type { HelperSettings } from '../../model.js';
import { fromError, ok, problem, type CheckResult } from './check.js';

const CHECK = 'settings';
const SIGN_IN = (registry: string) => `sign in: registry-login ${registry} --issuer URL --client-id ID`;

/** The result line, and the settings when they could be read. */
export async function checkSettings(deps: Deps, named: string | undefined): Promise<{ result: CheckResult; settings?: HelperSettings }> {
  const path = settingsPath(deps.env);
  let settings: HelperSettings;
  try {
    settings = await deps.settings.read();
  } catch (error) {
    return { result: fromError('failed', CHECK, error) };
  }
  const keys = Object.keys(settings.registries).sort();
  if (named !== undefined && !keys.includes(named)) {
    return { result: problem('failed', CHECK, `${named} is not configured in ${path}`, SIGN_IN(named)), settings };
  }
  if (keys.length === 0) {
    return {
      result: problem('warning', CHECK, existsSync(path) ? `${path} configures no registry` : `no settings file yet (${path})`, SIGN_IN('REGISTRY')),
      settings,
    };
  }
  return { result: ok(CHECK, `${path}: ${keys.length} ${keys.length === 1 ? 'registry' : 'registries'} (${keys.join(', ')})`), settings };
}
