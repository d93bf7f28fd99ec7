// --store none: nothing is kept anywhere; every `get` runs the registry's grant (one round trip).
// For pipelines on machines where no store works (containers whose seccomp profile blocks keyctl).
import type { SecretStore } from './secretStore.js';

export class NoStore implements SecretStore {
  async read(): Promise<string | null> {
    return null;
  }

  async write(): Promise<void> {}

  async remove(): Promise<boolean> {
    return false;
  }

  async entries(): Promise<Array<{ account: string; value: string }>> {
    return [];
  }
}
