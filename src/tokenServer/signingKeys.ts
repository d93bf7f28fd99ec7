// The keys the registry trusts. `signing.certificate` is the registry's rootcertbundle: one or more
// certificates. The one whose public key matches `signing.key` signs; every one in the bundle is
// trusted for our own refresh tokens, so a rotation is: add the new certificate to the bundle,
// restart the registry, switch the key here, and drop the old certificate once its tokens are gone.
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HelperError } from '../errors.js';

export interface SigningKey {
  privateKey: KeyObject;
  alg: 'RS256' | 'ES256' | 'ES384' | 'ES512';
  /** libtrust's key id: what Distribution 2.x matches against its rootcertbundle. */
  kid: string;
  /** The signing certificate, base64 DER, for the `x5c` header. */
  x5c: string[];
}

export interface SigningKeys {
  current: SigningKey;
  /** Every certificate of the bundle by libtrust key id. */
  trusted: Map<string, KeyObject>;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** libtrust: base32 of the first 240 bits of SHA-256 over the DER SubjectPublicKeyInfo, in groups of 4. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const digest = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest()
    .subarray(0, 30);
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  let id = '';
  for (let i = 0; i < bits.length; i += 5) id += BASE32[parseInt(bits.slice(i, i + 5), 2)];
  return id.match(/.{4}/g)!.join(':');
}

function algorithmOf(key: KeyObject, file: string): SigningKey['alg'] {
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new HelperError('invalid-input', `${file}: an RSA key needs at least 2048 bits`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new HelperError('invalid-input', `${file}: the signing key must be RSA or EC (P-256, P-384, P-521), as Distribution accepts`);
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new HelperError('invalid-input', `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export function loadSigningKeys(keyFile: string, certificateFile: string): SigningKeys {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readPem(keyFile, 'the signing key'));
  } catch (error) {
    if (error instanceof HelperError) throw error;
    throw new HelperError('invalid-input', `${keyFile} is not a PEM private key (RSA or EC)`);
  }
  const alg = algorithmOf(privateKey, keyFile);
  const pems = readPem(certificateFile, 'the certificate bundle').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new HelperError('invalid-input', `${certificateFile} holds no PEM certificate`);
  const ownSpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const trusted = new Map<string, KeyObject>();
  let current: SigningKey | undefined;
  for (const pem of pems) {
    const certificate = new X509Certificate(pem);
    const kid = libtrustKeyId(certificate.publicKey);
    trusted.set(kid, certificate.publicKey);
    if (certificate.publicKey.export({ type: 'spki', format: 'der' }).equals(ownSpki)) {
      current = { privateKey, alg, kid, x5c: [certificate.raw.toString('base64')] };
    }
  }
  if (!current) throw new HelperError('invalid-input', `${keyFile} matches no certificate in ${certificateFile}: the registry would refuse every token`);
  return { current, trusted };
}
