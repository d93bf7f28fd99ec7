import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { REGISTRY_SETTINGS, REGISTRY_SETTING_KEYS, envNameOf } from '../../../src/config/registrySettingsTable.js';
import { settingsFromEnv } from '../../../src/config/resolveSettings.js';
import { validateSettings } from '../../../src/config/settingsSchema.js';
import { registerLoginCommand, settingsFromFlags } from '../../../src/cli/loginCommand.js';
import type { Deps } from '../../../src/service/deps.js';

/** The login command's options as commander parses them (the action never runs). */
function loginOptions(): Command {
  const program = new Command().exitOverride();
  registerLoginCommand(program, {} as Deps);
  return program.commands.find((command) => command.name() === 'login')!;
}

test('every setting with a flag is an option of the login command, and every option is a setting or --flow', () => {
  const longs = loginOptions().options.map((option) => option.long);
  const fromTable = REGISTRY_SETTING_KEYS.flatMap((key) => {
    const flag: string | undefined = (REGISTRY_SETTINGS[key] as { flag?: string }).flag;
    return flag ? [flag.split(' ')[0]] : [];
  });
  assert.deepEqual([...longs].sort(), [...fromTable, '--flow'].sort());
  assert.ok(longs.includes('--exchange-url') && longs.includes('--no-browser') && longs.includes('--min-validity'));
});

test('environment variable names are derived from the keys, as documented', () => {
  assert.equal(envNameOf('clientId'), 'DOCKER_CREDENTIAL_OIDC_CLIENT_ID');
  assert.equal(envNameOf('noBrowser'), 'DOCKER_CREDENTIAL_OIDC_NO_BROWSER');
  assert.equal(envNameOf('ciTokenAudience'), 'DOCKER_CREDENTIAL_OIDC_CI_TOKEN_AUDIENCE');
  const env = Object.fromEntries(
    REGISTRY_SETTING_KEYS.map((key) => [
      envNameOf(key),
      key === 'noBrowser'
        ? 'yes'
        : key === 'minValidity'
          ? '2m'
          : key === 'mode'
            ? 'acr'
            : key === 'secretToken'
              ? 'id-token'
              : key === 'grant'
                ? 'browser'
                : key === 'store'
                  ? 'kernel'
                  : `value-of-${key}`,
    ]),
  );
  const parsed = settingsFromEnv(env);
  assert.deepEqual(Object.keys(parsed).sort(), [...REGISTRY_SETTING_KEYS].sort(), 'every setting has an environment variable');
  assert.equal(parsed.minValidity, 120);
  assert.equal(parsed.grant, 'authorization-code', 'a --flow spelling is accepted for the grant');
  assert.equal(parsed.noBrowser, true);
  assert.equal(settingsFromEnv({ DOCKER_CREDENTIAL_OIDC_NO_BROWSER: 'false' }).noBrowser, false);
});

test("an environment value outside a setting's choices is refused with its variable named", () => {
  assert.throws(() => settingsFromEnv({ DOCKER_CREDENTIAL_OIDC_STORE: 'disk' }), {
    code: 'invalid-input',
    message: /DOCKER_CREDENTIAL_OIDC_STORE "disk": use one of secret-service, kernel, none/,
  });
  assert.throws(() => settingsFromEnv({ DOCKER_CREDENTIAL_OIDC_MIN_VALIDITY: 'soon' }), { message: /is not a duration/ });
});

test('flags are parsed as the table says: --flow is the grant, --no-browser sets noBrowser, --exchange-url implies acr', () => {
  const command = loginOptions();
  command.parseOptions([
    '--issuer',
    'https://i',
    '--flow',
    'browser',
    '--no-browser',
    '--min-validity',
    '1h',
    '--exchange-url',
    'https://x/oauth2/exchange',
    '--store',
    'kernel',
  ]);
  const input = settingsFromFlags(command.opts());
  assert.deepEqual(input, {
    issuer: 'https://i',
    grant: 'authorization-code',
    noBrowser: true,
    minValidity: 3600,
    exchangeUrl: 'https://x/oauth2/exchange',
    store: 'kernel',
    mode: 'acr',
  });
  const none = loginOptions();
  none.parseOptions([]);
  assert.deepEqual(settingsFromFlags(none.opts()), {}, 'no flag, no setting: saved settings are not overwritten');
});

test('the settings file schema follows the table: kinds, choices, required settings', () => {
  const entry = {
    serverURL: 'r.example',
    issuer: 'https://i',
    clientId: 'c',
    scope: 'openid',
    mode: 'password',
    usernameClaim: 'sub',
    secretToken: 'access-token',
  };
  const file = (registry: object) => ({ version: 1, registries: { 'r.example': registry }, providers: {} });
  assert.ok('settings' in validateSettings(file(entry)));
  assert.ok('settings' in validateSettings(file({ ...entry, minValidity: 60, noBrowser: true, store: 'none', registryService: 'svc' })));
  const wrongChoice = validateSettings(file({ ...entry, store: 'disk' }));
  assert.ok('where' in wrongChoice && wrongChoice.where === 'registries.r.example.store');
  const wrongKind = validateSettings(file({ ...entry, minValidity: '10m' }));
  assert.ok('where' in wrongKind && wrongKind.where === 'registries.r.example.minValidity');
  const { clientId: _dropped, ...withoutClient } = entry;
  const missing = validateSettings(file(withoutClient));
  assert.ok('where' in missing && missing.where === 'registries.r.example.clientId');
});
