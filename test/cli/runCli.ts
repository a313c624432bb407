// Runs the `tessera` CLI from source as a user would (a child process through tsx), from any
// working directory, and collects its exit status and output. A generous timeout: a loaded
// machine takes long to start tsx.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** What one run printed and how it ended. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `tessera ...args` with the given environment (default: this process's) and working directory. */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** This process's environment without any TESSERA_* variable, plus `extra`: a CLI run that sees only what the test gives it. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('TESSERA_')) env[name] = value;
  return { ...env, ...extra };
}
