// Names of Kubernetes objects as the API server checks them (k8s.io/apimachinery validation:
// IsDNS1123Subdomain for a Secret's name, IsDNS1123Label for a namespace), so that what we print is
// never refused by kubectl apply, and a name cannot smuggle a path or another YAML line.
import { HelperError } from '../errors.js';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const SINGLE_LABEL = new RegExp(`^${LABEL}$`);

function refuse(what: 'name' | 'namespace', value: string, rule: string): never {
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  throw new HelperError('invalid-input', `${shown} is not a Kubernetes ${what} (RFC 1123: ${rule}): choose another --${what}`);
}

/** A Secret's metadata.name: an RFC 1123 subdomain of at most 253 characters. */
export function checkObjectName(name: string): string {
  if (name.length > 253 || !SUBDOMAIN.test(name))
    refuse('name', name, "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters");
  return name;
}

/** metadata.namespace: an RFC 1123 label of at most 63 characters. */
export function checkNamespace(namespace: string): string {
  if (namespace.length > 63 || !SINGLE_LABEL.test(namespace))
    refuse('namespace', namespace, "lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters");
  return namespace;
}
