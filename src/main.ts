// The binary's entry (and `tsx src/main.ts`). docker runs `get` for every pull and `list` before a
// build: when the kernel cache holds the answer, this small script gives it and exits. Everything
// else (a miss, every other command) runs the whole program (app/program.ts), which in the single
// executable is a script of its own, compiled from its code cache only then: carried in the main
// script, its 355 KB cost every start 1.1 ms (measured: a SEA carrying it and exiting at once, 22.0
// against 20.9 ms).
import { LOGIN_PROGRAM_NAME } from './version.js';
import { answerFromKernelCache } from './app/cachedAnswer.js';
import { loadScript } from './runtime/scriptAsset.js';
import { invokedAs, print, readStdin } from './app/processIo.js';
import { limitCoreDumps } from './runtime/platform.js';
import { traceRequested } from './runtime/trace.js';

/** Loads the whole program (a script of its own) and lets it answer. */
async function handOverToProgram(readInput?: () => string): Promise<void> {
  // Not a literal, so that the bundler leaves the program out of this script.
  const source = './app/program.js';
  const { runProgram } = await loadScript('program', () => import(source) as Promise<typeof import('./app/program.js')>);
  runProgram(readInput);
}

async function start(): Promise<void> {
  limitCoreDumps();
  const args = process.argv.slice(2);
  const action = args[0];
  // With a debug trace asked for, the program answers even a cached get, and traces it.
  if (args.length !== 1 || (action !== 'get' && action !== 'list') || invokedAs() === LOGIN_PROGRAM_NAME || traceRequested(process.env))
    return handOverToProgram();
  let input: string;
  try {
    input = readStdin();
  } catch (error) {
    // Too much input: the program reports it (stdin is consumed; it is handed the failure).
    return handOverToProgram(() => {
      throw error;
    });
  }
  const answer = await answerFromKernelCache(action, input, process.env);
  if (answer === undefined) return handOverToProgram(() => input);
  print(1, answer);
  process.exit(0);
}

start().catch((error: unknown) => {
  print(2, `docker-credential-oidc: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
