// The vocabulary of `doctor`: one result per check, in the order they ran; what each check may use.
import type { Deps } from '../deps.js';
import { HelperError, printable } from '../../errors.js';
import type { RegistryEntry } from '../../model.js';

export type CheckStatus = 'ok' | 'warning' | 'failed';

export interface CheckResult {
  /** What was checked: "session bus", "provider", ... */
  check: string;
  /** host[:port] of the registry the check is about, for the per-registry checks. */
  registry?: string;
  status: CheckStatus;
  /** What was found, in one sentence. */
  detail: string;
  /** What to do about it, in one sentence (warnings and failures). */
  fix?: string;
}

/** The registries doctor looks at: the one named, or every one configured. */
export interface DoctorTarget {
  key: string;
  /** host[:port], as people name it. */
  registry: string;
  entry: RegistryEntry;
}

export interface DoctorContext {
  deps: Deps;
  targets: DoctorTarget[];
  /** Whether get needs the Secret Service here (a target keeps its tokens there, or there is none yet). */
  keychainNeeded: boolean;
  /** Whether get needs the kernel keyring here (a target keeps its tokens there). */
  kernelNeeded: boolean;
}

export const ok = (check: string, detail: string, registry?: string): CheckResult => ({
  check,
  ...(registry ? { registry } : {}),
  status: 'ok',
  detail: printable(detail),
});

export function problem(status: 'warning' | 'failed', check: string, detail: string, fix: string | undefined, registry?: string): CheckResult {
  return { check, ...(registry ? { registry } : {}), status, detail: printable(detail), ...(fix ? { fix: printable(fix) } : {}) };
}

/** A HelperError's message already says what happened and what to do: "what: fix". */
export function fromError(status: 'warning' | 'failed', check: string, error: unknown, registry?: string): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof HelperError)) return problem(status, check, message, undefined, registry);
  // The fix follows the first ": " outside parentheses (messages put codes and URLs there).
  let depth = 0;
  let split = -1;
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && c === ':' && message[i + 1] === ' ') {
      split = i;
      break;
    }
  }
  if (split < 0) return problem(status, check, message, undefined, registry);
  return problem(status, check, message.slice(0, split), message.slice(split + 2), registry);
}
