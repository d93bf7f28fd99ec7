// How the client proves who it is at the token endpoint. A person's public client proves nothing
// (PKCE and the person do); Google's device clients post a secret; a pipeline's client posts a
// secret, signs a fresh assertion with its private key (private_key_jwt, RFC 7523 §2.2), or presents
// the CI platform's token as its assertion (Entra ID workload identity federation). Secrets are read
// where the person keeps them, at each request, and never leave this process except in that request.
import { createHash, createPrivateKey, X509Certificate, webcrypto, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { clientSecretOf } from '../config/clientSecret.js';
import { HelperError } from '../errors.js';
import type { RegistrySettings } from '../model.js';

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_KEY_FILE_BYTES = 64 * 1024;

type AuthSettings = Pick<RegistrySettings, 'clientSecretFile' | 'clientSecretEnv' | 'privateKeyFile'>;

/**
 * The client authentication for a token request. `ciToken` is the CI platform's token when it is the
 * client's credential (client credentials with --ci-token).
 */
export async function clientAuthFor(settings: AuthSettings, env: NodeJS.ProcessEnv, ciToken?: string): Promise<client.ClientAuth> {
  if (ciToken !== undefined) return federatedAssertion(ciToken);
  if (settings.privateKeyFile) return privateKeyJwt(settings.privateKeyFile);
  const secret = clientSecretOf(settings, env);
  return secret === undefined ? client.None() : client.ClientSecretPost(secret);
}

/** The CI token as the client assertion, with the client_id beside it (as Entra ID expects). */
function federatedAssertion(token: string): client.ClientAuth {
  return (_server, metadata, body) => {
    body.set('client_id', metadata.client_id);
    body.set('client_assertion_type', JWT_BEARER_ASSERTION);
    body.set('client_assertion', token);
  };
}

function readKeyFile(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    if (text.length > MAX_KEY_FILE_BYTES) throw new HelperError('invalid-input', `${path} is too large to be a private key: check --private-key-file`);
    return text;
  } catch (error) {
    if (error instanceof HelperError) throw error;
    throw new HelperError(
      'invalid-input',
      `cannot read the private key file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): check --private-key-file`,
    );
  }
}

/** The WebCrypto algorithm that signs with this key (RS256 or ES256/384/512, as providers accept). */
function signingAlgorithm(key: KeyObject): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (namedCurve) return { name: 'ECDSA', namedCurve };
  }
  throw new HelperError('invalid-input', `the private key is ${key.asymmetricKeyType ?? 'of an unknown type'}: use an RSA or an EC (P-256/384/521) key`);
}

/**
 * A PEM (PKCS#8 or PKCS#1/SEC1) or JWK private key. A JWK's kid goes into the assertion's header; a
 * certificate in the same PEM file gives x5t and x5t#S256 (Entra ID finds certificate credentials by
 * thumbprint).
 */
async function privateKeyJwt(path: string): Promise<client.ClientAuth> {
  const text = readKeyFile(path);
  let keyObject: KeyObject;
  let kid: string | undefined;
  try {
    if (text.trimStart().startsWith('{')) {
      const jwk = JSON.parse(text) as { kid?: unknown } & Record<string, unknown>;
      keyObject = createPrivateKey({ key: jwk as never, format: 'jwk' });
      kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    } else {
      keyObject = createPrivateKey(text);
    }
  } catch {
    throw new HelperError('invalid-input', `${path} holds no private key this helper can read: use a PEM (PKCS#8) or JWK file of an RSA or EC key`);
  }
  const algorithm = signingAlgorithm(keyObject);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  const thumbprints = certificate ? thumbprintsOf(certificate) : undefined;
  return client.PrivateKeyJwt(
    { key, ...(kid ? { kid } : {}) },
    thumbprints ? { [client.modifyAssertion]: (header) => Object.assign(header, thumbprints) } : {},
  );
}

function thumbprintsOf(pem: string): Record<string, string> | undefined {
  try {
    const raw = new X509Certificate(pem).raw;
    return { x5t: createHash('sha1').update(raw).digest('base64url'), 'x5t#S256': createHash('sha256').update(raw).digest('base64url') };
  } catch {
    return undefined;
  }
}
