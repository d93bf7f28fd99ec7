// Runs the BUILT single executable, as docker does: verb in argv, input on stdin, answer on stdout.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const helperBinary = join(repoRoot, 'dist', 'docker-credential-oidc');
export const loginBinary = join(repoRoot, 'dist', 'registry-login');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(helperBinary)) throw new Error(`${helperBinary} is missing: run npm run build first`);
}

export function run(
  command: string,
  args: string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the helper may exit before reading a flood
    child.stdin.end(options.input ?? '');
  });
}

export function runHelper(args: string[], options: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  return run(helperBinary, args, options);
}
