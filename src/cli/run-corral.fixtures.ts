// Runs the built `bin/corral.js` as an operator would, in a child process, for
// the CLI's own tests and the end-to-end tests: exit code, stdout, stderr.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CORRAL_BIN = fileURLToPath(new URL('../../bin/corral.js', import.meta.url));

export interface CliRun {
  /** The exit code; null when a signal (or the timeout) ended the process. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `env` is added to this process's environment. */
export function runCorral(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 20_000,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CORRAL_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}
