import { Option, type Command } from 'commander';
import type { SettingsInput } from '../config/resolveSettings.js';
import type { LoginResult } from '../service/login.js';
import {
  REGISTRY_SETTINGS,
  REGISTRY_SETTING_KEYS,
  grantOf,
  settingFromText,
  type RegistrySettingKey,
  type RegistrySettingSpec,
} from '../config/registrySettingsTable.js';
import type { Deps } from '../service/deps.js';
import { signInPresenter } from './signInPresenter.js';
import { formatTime } from './formatTime.js';
import { shortLivedAdvice } from './shortLivedAdvice.js';

/** The login command's option for one row of the settings table (choices shown and checked by commander). */
function optionOf(key: RegistrySettingKey): Option | undefined {
  const spec: RegistrySettingSpec = REGISTRY_SETTINGS[key];
  if (!spec.flag) return undefined;
  const option = new Option(spec.flag, spec.help);
  return spec.kind.type === 'choice' ? option.choices(spec.kind.choices) : option;
}

const FLOW_OPTION = new Option('--flow <flow>', 'how you sign in: the browser, a device code, or auto (browser at a desktop, code over SSH)').choices([
  'browser',
  'device-code',
  'auto',
]);

/** The settings the person gave on the command line, parsed as the table says; --flow is --grant's other spelling. */
export function settingsFromFlags(flags: Record<string, unknown>): SettingsInput {
  const input: Record<string, unknown> = {};
  for (const key of REGISTRY_SETTING_KEYS) {
    const option = optionOf(key);
    if (!option) continue;
    const value = flags[option.attributeName()];
    if (typeof value === 'string') input[key] = settingFromText(key, value, option.long ?? key);
    // --no-browser: commander gives browser=false.
    else if (value === false && option.negate) input[key] = true;
  }
  if (input.grant === undefined && typeof flags.flow === 'string') input.grant = grantOf(flags.flow, '--flow');
  // --exchange-url only means something in acr mode, so it implies it.
  if (input.mode === undefined && input.exchangeUrl !== undefined) input.mode = 'acr';
  return input;
}

export function registerLoginCommand(program: Command, deps: Deps): void {
  const command = program
    .command('login')
    .description('sign in to REGISTRY with its OpenID provider (device code, MFA included); tokens go to the keychain')
    .argument('<registry>', 'registry host[:port], e.g. registry.example.com or myregistry.azurecr.io')
    .addOption(FLOW_OPTION);
  for (const key of REGISTRY_SETTING_KEYS) {
    const option = optionOf(key);
    if (option) command.addOption(option);
  }
  command
    .addHelpText(
      'after',
      '\nSettings are saved per registry (never secrets): the next "registry-login REGISTRY" needs no flags.\nEach flag can also come from DOCKER_CREDENTIAL_OIDC_<FLAG> (e.g. DOCKER_CREDENTIAL_OIDC_ISSUER).',
    )
    .action(async (registry: string, flags: Record<string, unknown>) => {
      const { login } = await import('../service/login.js');
      const input = settingsFromFlags(flags);
      const result = await login(deps, registry, input, signInPresenter(deps, registry));
      printLoginResult(deps, result, input);
    });
}

/** One line (and a note when the credential is short-lived) saying who is signed in and until when. */
function printLoginResult(deps: Deps, result: LoginResult, input: SettingsInput): void {
  for (const warning of result.warnings ?? []) deps.terminal.stderr(`warning: ${warning}\n`);
  const where =
    result.store === 'secret-service'
      ? ''
      : `; tokens kept ${result.store === 'kernel' ? 'in the kernel keyring' : 'nowhere, obtained at every get'}${result.storeReason ? ` (${result.storeReason})` : ''}`;
  if (result.kubeletOnly) {
    deps.terminal.stderr(
      `Configured ${result.registry} for the kubelet credential provider: each pull's service-account token is exchanged at ${input.issuer ?? 'the provider'} (nothing is kept)\n`,
    );
    return;
  }
  if (result.pipeline) {
    const next = result.accessTokenExpiresAt ? `, token valid until ${formatTime(result.accessTokenExpiresAt)}` : '';
    deps.terminal.stderr(`Signed in to ${result.registry} as ${result.username} without a person (get obtains new tokens by itself${next}${where})\n`);
    if (result.shortLivedCredential) deps.terminal.stderr(`note: ${shortLivedAdvice(result.shortLivedCredential)}\n`);
    return;
  }
  const validity = result.sessionValidUntil
    ? `session valid until ${formatTime(result.sessionValidUntil)}`
    : `session valid until you log out or the provider ends it; access token renewed automatically${result.accessTokenExpiresAt ? `, next at ${formatTime(result.accessTokenExpiresAt)}` : ''}`;
  const reuse = result.reusedSession ? ', reusing your existing sign-in' : '';
  deps.terminal.stderr(`Logged in to ${result.registry} as ${result.username} (${validity}${reuse}${where})\n`);
  if (result.shortLivedCredential) deps.terminal.stderr(`note: ${shortLivedAdvice(result.shortLivedCredential)}\n`);
}
