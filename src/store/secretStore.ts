/** The port every credential goes through: one secret value per account, under our service name. */
export interface SecretStore {
  read(account: string): Promise<string | null>;
  /**
   * `usefulUntil` (epoch seconds) is when nothing in the value is of use any more, if anyone knows:
   * a store that can forget by itself (the kernel keyring) forgets then; the keychain ignores it.
   */
  write(account: string, value: string, usefulUntil?: number): Promise<void>;
  /** Resolves false when there was nothing to remove. */
  remove(account: string): Promise<boolean>;
  /** Every item of our service, and no one else's. */
  entries(): Promise<Array<{ account: string; value: string }>>;
}

/** The keychain service every item of ours is filed under (Secret Service attribute `service`). */
export const KEYCHAIN_SERVICE = 'docker-credential-oidc';
