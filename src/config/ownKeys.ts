// Records keyed by what people and registries send (server URLs, issuers): a registry called
// `constructor` or `__proto__` must be a key like any other, never Object.prototype's property.
// These records have no prototype, and every look-up asks for an own property.

export type KeyedRecord<T> = Record<string, T>;

function emptyRecord<T>(): KeyedRecord<T> {
  return Object.create(null) as KeyedRecord<T>;
}

export function lookup<T>(record: KeyedRecord<T> | undefined | null, key: string): T | undefined {
  return record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** A prototype-less copy with `key` set to `value` (or removed when `value` is undefined). */
export function withKey<T>(record: KeyedRecord<T>, key: string, value: NoInfer<T> | undefined): KeyedRecord<T> {
  const next = emptyRecord<T>();
  for (const [k, v] of Object.entries(record)) if (k !== key) next[k] = v;
  if (value !== undefined) Object.defineProperty(next, key, { value, enumerable: true, writable: true, configurable: true });
  return next;
}

/** A prototype-less copy of parsed JSON's entries (JSON.parse makes `__proto__` an own key; keep it one). */
export function recordOf<T>(entries: Iterable<[string, T]>): KeyedRecord<T> {
  const next = emptyRecord<T>();
  for (const [k, v] of entries) Object.defineProperty(next, k, { value: v, enumerable: true, writable: true, configurable: true });
  return next;
}
