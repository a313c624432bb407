// Child-process bookkeeping for the auth benchmark (measures nothing itself): every child is
// tracked and killed when the benchmark exits or fails, and the helpers that wait for a
// child's line or IPC message all give up after a deadline.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

const live = new Set<ChildProcess>();
const cleanups: Array<{ what: string; run: () => Promise<void> | void }> = [];

/** Spawns a child that is killed at the latest when this process exits. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** SIGKILLs every child still running (synchronous: safe in an 'exit' handler). */
export function killAllNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** True while the child has neither exited nor been killed by a signal. */
export const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Registers an async clean-up step (temp dirs, schemas, key prefixes) run once at the end. */
export function onCleanup(what: string, run: () => Promise<void> | void): void {
  cleanups.push({ what, run });
}

/** Kills the children, then runs the clean-up steps newest first, each bounded to 15 s. */
export async function runCleanups(): Promise<void> {
  const children = [...live];
  await Promise.all(children.map((c) => stopChild(c, 3000)));
  killAllNow();
  while (cleanups.length > 0) {
    const step = cleanups.pop()!;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(step.run),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out after 15 s')), 15_000);
        }),
      ]);
    } catch (err) {
      process.stderr.write(`tessera-bench: clean-up "${step.what}" failed: ${err instanceof Error ? err.message : String(err)}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Keeps the last lines a child wrote (for error messages) and lets callers watch lines. */
export class LineTail {
  readonly lines: string[] = [];
  count = 0;
  readonly #watchers = new Set<(line: string) => void>();
  #partial = '';

  constructor(
    stream: Readable | null | undefined,
    private readonly max = 40,
  ) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) this.#push(line);
    });
  }

  #push(line: string): void {
    this.count++;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    for (const watch of this.#watchers) watch(line);
  }

  /** Resolves with the first line matching `pattern`; rejects if the child exits or time runs out. */
  waitFor(pattern: RegExp, child: ChildProcess, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const finish = (err: Error | undefined, match?: RegExpExecArray) => {
        clearTimeout(timer);
        this.#watchers.delete(watch);
        child.off('exit', onExit);
        if (err) reject(err);
        else resolve(match!);
      };
      const watch = (line: string) => {
        const match = pattern.exec(line);
        if (match) finish(undefined, match);
      };
      const onExit = (code: number | null, signal: string | null) =>
        finish(new Error(`${what} exited (${signal ?? `code ${code}`}) before it was ready; its last output:\n${this.lines.join('\n')}`));
      const timer = setTimeout(() => finish(new Error(`${what} was not ready within ${timeoutMs} ms; its last output:\n${this.lines.join('\n')}`)), timeoutMs);
      this.#watchers.add(watch);
      child.once('exit', onExit);
    });
  }
}

/** Resolves with the first IPC message the predicate accepts; rejects on exit or deadline. */
export function waitForMessage<T>(child: ChildProcess, accept: (msg: unknown) => msg is T, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const finish = (err: Error | undefined, msg?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(msg as T);
    };
    const onMessage = (msg: unknown) => {
      if (accept(msg)) finish(undefined, msg);
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`${what} exited (${signal ?? `code ${code}`}) unexpectedly`));
    const timer = setTimeout(() => finish(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
