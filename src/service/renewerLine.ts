// The one line a renewer (app/renewerMain.ts) prints on its stdout: how it is written, and how the
// `get` waiting on the other end reads it. A module of its own: that `get` must not load the renewal machinery
// (openid-client, node:crypto, the HTTP client) just to parse one line.
import { HelperError, type ErrorCode } from '../errors.js';
import type { HandedCredential } from '../model.js';

interface RenewerResult {
  ok: boolean;
  code?: ErrorCode;
  message?: string;
  /** The renewed credential, for the `get` on the other end of the pipe (never in a message). */
  credential?: HandedCredential;
}

export type RenewerExit = { code: number | null; signal: string | null };

/** In the renewer: the line to print, the credential or the error (whose message never holds a secret). */
export function renewerLine(outcome: { credential: HandedCredential } | { error: HelperError }): string {
  const result: RenewerResult =
    'credential' in outcome
      ? { ok: true, credential: { username: outcome.credential.username, secret: outcome.credential.secret } }
      : { ok: false, code: outcome.error.code, message: outcome.error.message };
  return `${JSON.stringify(result)}\n`;
}

function parseLine(line: string): RenewerResult | undefined {
  try {
    return JSON.parse(line) as RenewerResult;
  } catch {
    return undefined;
  }
}

function outcomeOf(result: RenewerResult | undefined, exit: RenewerExit): HandedCredential | undefined {
  if (result?.ok) {
    const handed = result.credential;
    return typeof handed?.username === 'string' && typeof handed.secret === 'string' ? { username: handed.username, secret: handed.secret } : undefined;
  }
  if (result?.code && result.message) throw new HelperError(result.code, result.message);
  throw new HelperError('idp-error', `the renewal process ended without an answer (${exit.signal ?? `exit ${exit.code}`}): try again`);
}

/** In the waiting `get`: what the renewer's stdout said, as the credential or the error it reported. */
export function renewerOutcome(stdout: string, exit: RenewerExit): HandedCredential | undefined {
  return outcomeOf(parseLine(stdout.trim().split('\n').at(-1) ?? ''), exit);
}

/** The renewer prints one short line; more than this on its stdout is not kept. */
const MAX_RENEWER_OUTPUT = 64 * 1024;

/**
 * In the waiting `get`: the renewer's answer as soon as its line is complete. The renewer stores the
 * tokens before it prints, so the line is the whole answer; its exit (the runtime's teardown, the
 * keychain connections closing: 5-10 ms, traced) is not waited for. A renewer that ends without a
 * line that reads as an answer is reported by how it ended.
 */
export function awaitRenewerAnswer(stdout: NodeJS.ReadableStream, exited: Promise<RenewerExit>): Promise<HandedCredential | undefined> {
  return new Promise((resolve, reject) => {
    let text = '';
    let settled = false;
    const settle = (read: () => HandedCredential | undefined) => {
      if (settled) return;
      settled = true;
      try {
        resolve(read());
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      if (settled || text.length >= MAX_RENEWER_OUTPUT) return;
      text += chunk;
      const end = text.indexOf('\n');
      if (end === -1) return;
      const result = parseLine(text.slice(0, end));
      // Parsed once: an answer settles now; anything else waits for the exit to say how it ended.
      if (typeof result?.ok === 'boolean') settle(() => outcomeOf(result, { code: null, signal: null }));
    });
    exited.then(
      (exit) => settle(() => renewerOutcome(text, exit)),
      (error: unknown) =>
        settle(() => {
          throw error;
        }),
    );
  });
}
