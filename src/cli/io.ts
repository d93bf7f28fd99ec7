import type { Ports } from '../ports.js';

/** What a human command may touch of the process; main.ts builds the real one, tests a recording one. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  /** Prompts, progress and errors: stdout belongs to docker and to scripts. */
  stderr: (text: string) => void;
  isStdinTty: boolean;
  isStderrTty: boolean;
  platform: NodeJS.Platform;
  /** Aborted on Ctrl-C. */
  interrupt: AbortSignal;
  ports: Ports;
  /** Asks a yes/no question on the terminal (stderr); false when nobody can answer. */
  confirm: (question: string) => Promise<boolean>;
  /** Starts a program detached from us (the browser); never given a secret. */
  launch: (command: string, args: string[]) => void;
}
