import { Option, type Command } from 'commander';
import { grantOf, minValidityOf, storeOf, type SettingsInput } from '../config/resolveSettings.js';
import type { Deps } from '../deps.js';
import { CREDENTIAL_MODES, GRANTS, SECRET_TOKENS, STORES } from '../model.js';
import { CI_TOKEN_SOURCES } from '../config/ciTokenSource.js';
import { signInPresenter } from './signInPresenter.js';
import { formatTime } from './formatTime.js';
import { shortLivedAdvice } from './shortLivedAdvice.js';

interface LoginFlags {
  issuer?: string;
  clientId?: string;
  scope?: string;
  audience?: string;
  resource?: string;
  mode?: SettingsInput['mode'];
  username?: string;
  usernameClaim?: string;
  secret?: SettingsInput['secretToken'];
  browser?: boolean;
  caFile?: string;
  tenant?: string;
  minValidity?: string;
  flow?: string;
  grant?: string;
  redirectUri?: string;
  clientSecretFile?: string;
  clientSecretEnv?: string;
  privateKeyFile?: string;
  ciToken?: string;
  ciTokenAudience?: string;
  subjectTokenType?: string;
  store?: string;
  exchangeUrl?: string;
}

export function registerLoginCommand(program: Command, deps: Deps): void {
  program
    .command('login')
    .description('sign in to REGISTRY with its OpenID provider (device code, MFA included); tokens go to the keychain')
    .argument('<registry>', 'registry host[:port], e.g. registry.example.com or myregistry.azurecr.io')
    .option('--issuer <url>', 'OpenID provider (issuer) URL')
    .option('--client-id <id>', 'public client registered at the provider for the device flow')
    .option('--scope <scopes>', 'scopes to request (default "openid offline_access")')
    .option('--audience <value>', 'audience parameter for the access token')
    .option('--resource <uri>', 'RFC 8707 resource indicator for the access token')
    .addOption(new Option('--mode <mode>', 'what get hands the registry').choices(CREDENTIAL_MODES))
    .option('--username <name>', 'literal username for the registry (e.g. oauth2, oauth2accesstoken)')
    .option('--username-claim <claim>', 'ID token claim used as username (default preferred_username, then sub)')
    .addOption(new Option('--secret <token>', 'password mode: which token is the password').choices(SECRET_TOKENS))
    .option('--no-browser', 'do not open a browser; only print the URL and code')
    .option('--ca-file <path>', 'PEM file of extra CA certificates for the provider and registry')
    .option('--tenant <id>', 'Entra ID tenant (acr mode); sets the issuer')
    .addOption(new Option('--flow <flow>', 'how you sign in: the browser, a device code, or auto (browser at a desktop, code over SSH)').choices(['browser', 'device-code', 'auto']))
    .addOption(
      new Option('--grant <grant>', 'how tokens are obtained: a person (auto, device-code, authorization-code: the same as --flow), or a pipeline with no person, again at every renewal').choices([...GRANTS]),
    )
    .option('--client-secret-file <path>', 'a file holding the client secret (confidential clients, Google device clients); only the path is saved')
    .option('--client-secret-env <name>', 'an environment variable holding the client secret; only its name is saved')
    .option('--private-key-file <path>', 'client-credentials with private_key_jwt: a PEM or JWK private key (a certificate in the PEM adds x5t for Entra ID); only the path is saved')
    .option('--ci-token <source>', `the CI platform's OIDC token, fetched anew for every grant: ${CI_TOKEN_SOURCES}`)
    .option('--ci-token-audience <aud>', 'the audience to ask the CI platform for (GitHub Actions; Entra ID expects api://AzureADTokenExchange)')
    .option('--subject-token-type <uri>', 'token-exchange: the CI token\'s type (default urn:ietf:params:oauth:token-type:jwt)')
    .addOption(new Option('--store <store>', 'where tokens are kept (default: the Secret Service; pipelines fall back to kernel, then none)').choices([...STORES]))
    .option('--redirect-uri <uri>', 'browser flow: the loopback redirect registered at the provider (default http://127.0.0.1/callback on a free port)')
    .option('--exchange-url <url>', 'acr mode: exchange the provider\'s token here for a registry refresh token (default: found from the registry\'s challenge)')
    .option('--min-validity <duration>', 'how long a credential must stay valid after get hands it out (default 10m: BuildKit keeps it that long)')
    .addHelpText(
      'after',
      '\nSettings are saved per registry (never secrets): the next "registry-login REGISTRY" needs no flags.\nEach flag can also come from DOCKER_CREDENTIAL_OIDC_<FLAG> (e.g. DOCKER_CREDENTIAL_OIDC_ISSUER).',
    )
    .action(async (registry: string, flags: LoginFlags) => {
      const { login } = await import('../service/login.js');
      const input: SettingsInput = {
        issuer: flags.issuer,
        clientId: flags.clientId,
        scope: flags.scope,
        audience: flags.audience,
        resource: flags.resource,
        mode: flags.mode ?? (flags.exchangeUrl ? 'acr' : undefined),
        exchangeUrl: flags.exchangeUrl,
        username: flags.username,
        usernameClaim: flags.usernameClaim,
        secretToken: flags.secret,
        caFile: flags.caFile,
        tenant: flags.tenant,
        ...(flags.minValidity !== undefined ? { minValidity: minValidityOf(flags.minValidity) } : {}),
        ...(flags.grant !== undefined || flags.flow !== undefined ? { grant: grantOf(flags.grant ?? flags.flow!, flags.grant ? '--grant' : '--flow') } : {}),
        redirectUri: flags.redirectUri,
        clientSecretFile: flags.clientSecretFile,
        clientSecretEnv: flags.clientSecretEnv,
        privateKeyFile: flags.privateKeyFile,
        ciToken: flags.ciToken,
        ciTokenAudience: flags.ciTokenAudience,
        subjectTokenType: flags.subjectTokenType,
        ...(flags.store !== undefined ? { store: storeOf(flags.store) } : {}),
        ...(flags.browser === false ? { noBrowser: true } : {}),
      };
      const result = await login(deps, registry, input, signInPresenter(deps, registry));
      const where = result.store === 'secret-service' ? '' : `; tokens kept ${result.store === 'kernel' ? 'in the kernel keyring' : 'nowhere, obtained at every get'}${result.storeReason ? ` (${result.storeReason})` : ''}`;
      if (result.kubeletOnly) {
        deps.terminal.stderr(`Configured ${result.registry} for the kubelet credential provider: each pull's service-account token is exchanged at ${input.issuer ?? 'the provider'} (nothing is kept)\n`);
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
    });
}
