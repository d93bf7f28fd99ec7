// The Linux kernel's key syscalls (add_key(2), keyctl(2)) through koffi, an FFI library, to libc's
// syscall(2): no keyutils package needed. Shared by the kernel keyring store (a pipeline's tokens)
// and the kernel cache in front of the Secret Service. Calls return the kernel's answer (-1 on
// failure, then `errno()` says why); each user decides what a failure means for it.
import type { KoffiModule } from './addon.js';

/** add_key and keyctl, by architecture (asm/unistd.h); other architectures have no kernel store. */
const SYSCALLS: Partial<Record<NodeJS.Architecture, { addKey: number; keyctl: number }>> = {
  x64: { addKey: 248, keyctl: 250 },
  arm64: { addKey: 217, keyctl: 219 },
};

export const KEY_SPEC_SESSION_KEYRING = -3;
export const KEY_SPEC_USER_KEYRING = -4;

export const KEYCTL = {
  getPersistent: 22,
  setPerm: 5,
  describe: 6,
  link: 8,
  unlink: 9,
  search: 10,
  read: 11,
  setTimeout: 15,
  invalidate: 21,
} as const;

export const ERRNO = { EPERM: 1, EACCES: 13, EDQUOT: 122, ENOKEY: 126, EKEYEXPIRED: 127, EKEYREVOKED: 128, ENOSYS: 38 } as const;
export const ERRNO_NAMES: Record<number, string> = { 1: 'EPERM', 13: 'EACCES', 22: 'EINVAL', 38: 'ENOSYS', 122: 'EDQUOT', 12: 'ENOMEM' };

/** The errors that mean "that key is not there (any more)". */
export function isGone(errno: number): boolean {
  return errno === ERRNO.ENOKEY || errno === ERRNO.EKEYEXPIRED || errno === ERRNO.EKEYREVOKED;
}

type Syscall = (...args: unknown[]) => bigint | number;

export class Keyctl {
  private syscall: Syscall | undefined;
  private koffi: KoffiModule | undefined;

  constructor(private readonly loadKoffi: () => KoffiModule) {}

  /** Whether this platform has the syscalls at all (Linux on x64 or arm64). */
  static available(): boolean {
    return process.platform === 'linux' && SYSCALLS[process.arch] !== undefined;
  }

  /** add_key(2) of a "user" key: replaces the payload of a key of that description in `keyring`, in place. */
  addUserKey(description: string, payload: Buffer, keyring: number): number {
    return this.call(this.numbers().addKey, 'str', 'user', 'str', description, 'uint8_t *', payload, 'size_t', payload.length, 'int', keyring);
  }

  /** keyctl(2) with integer arguments. */
  keyctl(operation: number, ...args: number[]): number {
    return this.call(this.numbers().keyctl, 'int', operation, ...args.flatMap((arg) => ['int', arg]));
  }

  search(keyring: number, description: string): number {
    return this.call(this.numbers().keyctl, 'int', KEYCTL.search, 'int', keyring, 'str', 'user', 'str', description, 'int', 0);
  }

  setPerm(id: number, permissions: number): number {
    return this.call(this.numbers().keyctl, 'int', KEYCTL.setPerm, 'int', id, 'uint32_t', permissions);
  }

  /** KEYCTL_READ or KEYCTL_DESCRIBE into `buffer`: the length the whole answer needs, or -1. */
  readInto(operation: typeof KEYCTL.read | typeof KEYCTL.describe, id: number, buffer: Buffer): number {
    return this.call(this.numbers().keyctl, 'int', operation, 'int', id, 'uint8_t *', buffer, 'size_t', buffer.length);
  }

  errno(): number {
    return this.module().errno();
  }

  private numbers(): { addKey: number; keyctl: number } {
    const numbers = SYSCALLS[process.arch];
    if (process.platform !== 'linux' || !numbers) throw new Error(`no kernel keyring on ${process.platform}-${process.arch}`);
    return numbers;
  }

  private module(): KoffiModule {
    this.koffi ??= this.loadKoffi();
    return this.koffi;
  }

  private call(...args: unknown[]): number {
    this.syscall ??= this.module().load('libc.so.6').func('long syscall(long, ...)') as Syscall;
    return Number(this.syscall(...args));
  }
}
