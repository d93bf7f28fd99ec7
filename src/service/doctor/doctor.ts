// `doctor [REGISTRY]`: every part get depends on, checked in the order a failure would cascade (the
// bus before the keychain on it, the settings before the registries they name), one result each.
// Never a prompt, never a sign-in, never a secret in a result. `healthy` is whether get can work.
import type { Deps } from '../deps.js';
import { storeOfRegistry } from '../../model.js';
import { hostWithPort, parseServerUrl } from '../../protocol/registryAddress.js';
import type { CheckResult, DoctorContext, DoctorTarget } from './check.js';
import { checkDockerWiring, checkOnPath } from './dockerWiring.js';
import { checkKernelKeyring } from './kernelKeyringCheck.js';
import { checkClockSkew, checkDiscovery } from './providerDiscovery.js';
import { checkRegistryChallenge } from './registryChallenge.js';
import { checkSecretService } from './secretService.js';
import { checkSessionBus } from './sessionBus.js';
import { checkSettings } from './settingsCheck.js';
import { checkSignIn } from './signInCheck.js';

export interface DoctorReport {
  healthy: boolean;
  checks: CheckResult[];
}

export async function runDoctor(deps: Deps, named?: string): Promise<DoctorReport> {
  const key = named === undefined ? undefined : parseServerUrl(named).key;
  const { result: settingsResult, settings } = await checkSettings(deps, key);
  const targets: DoctorTarget[] = Object.entries(settings?.registries ?? {})
    .filter(([registryKey]) => key === undefined || registryKey === key)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([registryKey, entry]) => ({ key: registryKey, registry: hostWithPort(parseServerUrl(entry.serverURL)), entry }));
  const stores = targets.map((target) => storeOfRegistry(target.entry));
  const context: DoctorContext = {
    deps,
    targets,
    // Nothing configured yet: the first sign-in will want the keychain.
    keychainNeeded: targets.length === 0 || stores.includes('secret-service'),
    kernelNeeded: stores.includes('kernel'),
  };

  const checks: CheckResult[] = [];
  // Tried first, shown third: the Secret Service probe writes through the kernel cache, whose first
  // use gives this process a session keyring of its own, from which keys in @u are no longer
  // "possessed" (store/kernelCache/kernelCache.ts). A fresh get or registry-login --store kernel sees the
  // kernel keyring as it is before that, and so must this check.
  const kernel = await checkKernelKeyring(context);
  const bus = await checkSessionBus(context);
  checks.push(...bus);
  checks.push(
    ...(await checkSecretService(
      context,
      bus.some((result) => result.status !== 'ok'),
    )),
  );
  checks.push(...kernel);
  checks.push(settingsResult);
  checks.push(checkOnPath(deps.env));
  const wiring = checkDockerWiring(context);
  for (const target of targets) {
    checks.push(...wiring.filter((result) => result.registry === target.registry));
    const discovery = await checkDiscovery(deps, target);
    checks.push(discovery.result);
    checks.push(...(await checkRegistryChallenge(deps, target)));
    checks.push(...checkClockSkew(target, discovery));
    // A provider that cannot be reached cannot renew anything: its line above says why.
    if (discovery.answered) checks.push(...(await checkSignIn(deps, target)));
  }
  checks.push(...wiring.filter((result) => result.registry === undefined));
  return { healthy: checks.every((result) => result.status !== 'failed'), checks };
}
