// The kubelet's image credential provider exec API (credentialprovider.kubelet.k8s.io v1, v1beta1,
// v1alpha1; KEP-2133, and KEP-4412's service-account tokens): the request the kubelet writes on
// stdin, the response it reads from stdout. Pure: no I/O, everything from outside checked.
import { HelperError } from '../errors.js';

const GROUP = 'credentialprovider.kubelet.k8s.io';
export const API_VERSIONS = [`${GROUP}/v1`, `${GROUP}/v1beta1`, `${GROUP}/v1alpha1`] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export interface CredentialProviderRequest {
  apiVersion: ApiVersion;
  image: string;
  /** KEP-4412: the pod's service-account token, for the audience the kubelet config names. */
  serviceAccountToken?: string;
  serviceAccountAnnotations?: Record<string, string>;
}

export interface CredentialProviderResponse {
  kind: 'CredentialProviderResponse';
  apiVersion: ApiVersion;
  cacheKeyType: 'Image' | 'Registry' | 'Global';
  cacheDuration?: string;
  auth: Record<string, { username: string; password: string }>;
}

/** An image reference is a few hundred bytes; a service-account token a few KiB. */
const MAX_IMAGE_LENGTH = 4096;
const MAX_TOKEN_LENGTH = 64 * 1024;

function invalid(what: string): HelperError {
  return new HelperError('invalid-input', `not a CredentialProviderRequest: ${what}`);
}

export function parseRequest(text: string): CredentialProviderRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('stdin is not JSON (the kubelet writes one JSON object)');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw invalid('stdin is not a JSON object');
  const request = json as Record<string, unknown>;
  if (request.kind !== undefined && request.kind !== 'CredentialProviderRequest') throw invalid(`kind ${JSON.stringify(request.kind)}`);
  const apiVersion = request.apiVersion;
  if (typeof apiVersion !== 'string' || !(API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw invalid(`apiVersion ${JSON.stringify(apiVersion ?? null)?.slice(0, 100)} is not one of ${API_VERSIONS.join(', ')}`);
  }
  const image = request.image;
  if (typeof image !== 'string' || image === '') throw invalid('no "image"');
  if (image.length > MAX_IMAGE_LENGTH || /[\s\x00-\x1f\x7f]/.test(image)) throw invalid('"image" is not an image reference');
  const result: CredentialProviderRequest = { apiVersion: apiVersion as ApiVersion, image };
  const token = request.serviceAccountToken;
  if (token !== undefined && token !== '') {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) throw invalid('"serviceAccountToken" is not a token');
    result.serviceAccountToken = token;
  }
  const annotations = request.serviceAccountAnnotations;
  if (annotations && typeof annotations === 'object' && !Array.isArray(annotations)) {
    result.serviceAccountAnnotations = Object.fromEntries(Object.entries(annotations).filter((pair): pair is [string, string] => typeof pair[1] === 'string'));
  }
  return result;
}

/**
 * The registry host of an image reference, as the kubelet matches it: the first path component when
 * it looks like a host (has a dot or a port, or is localhost); otherwise the reference is Docker Hub's.
 */
export function registryHostOf(image: string): string {
  const withoutDigest = image.split('@')[0];
  const slash = withoutDigest.indexOf('/');
  const first = slash < 0 ? '' : withoutDigest.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) return first.toLowerCase();
  throw new HelperError(
    'not-configured',
    `${image} names no registry host, so it is Docker Hub's (docker.io): this provider serves only registries signed in with registry-login; narrow matchImages`,
  );
}

/** Go's time.Duration text ("1h2m3s", "45s"), which the kubelet parses; whole seconds, at least 1 s. */
export function goDuration(seconds: number): string {
  let rest = Math.max(1, Math.floor(seconds));
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}

export function response(
  apiVersion: ApiVersion,
  host: string,
  credential: { username: string; password: string },
  cacheSeconds: number,
): CredentialProviderResponse {
  return {
    kind: 'CredentialProviderResponse',
    apiVersion,
    cacheKeyType: 'Registry',
    cacheDuration: goDuration(cacheSeconds),
    auth: { [host]: credential },
  };
}
