// Runs the built registry-login as a person would, and plays the person at the browser: reads the
// code from stderr and approves (or denies) it at the test provider.
import { spawn } from 'node:child_process';
import { loginBinary, type RunResult } from './helperBinary.js';
import type { Idp } from './idp.js';

export async function signIn(
  idp: Idp,
  registry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { deny?: boolean; neverApprove?: boolean; user?: string } = {},
): Promise<RunResult & { userCode?: string }> {
  const child = spawn(loginBinary, [registry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let userCode: string | undefined;
  let approval: Promise<void> | undefined;
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    const match = /enter the code: (\S+)/.exec(stderr);
    if (match && !userCode) {
      userCode = match[1]!;
      if (!options.neverApprove) approval = idp.approve(userCode, { deny: Boolean(options.deny), ...(options.user ? { user: options.user } : {}) });
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  await approval;
  return { code, stdout, stderr, ...(userCode ? { userCode } : {}) };
}
