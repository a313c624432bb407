// `--help` on every command of `tessera`: the commands are found by walking the program as
// src/cli/main.ts builds it, so a command added later is checked too. Each one's help is
// asked for in-process (spawning the CLI 43 times took 19 s); one spawned run shows the real
// process exits 0 on --help.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Command, CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import { runCli } from './runCli.ts';

/** The path of every command under `cmd`, parents before children (the program itself is []). */
function commandPaths(cmd: Command, path: string[] = []): string[][] {
  return [path, ...cmd.commands.flatMap((sub) => commandPaths(sub, [...path, sub.name()]))];
}

/** Sends the output of `cmd` and its subcommands to `sink`. */
function capture(cmd: Command, sink: { out: string; err: string }): void {
  cmd.configureOutput({ writeOut: (s) => void (sink.out += s), writeErr: (s) => void (sink.err += s) });
  for (const sub of cmd.commands) capture(sub, sink);
}

/** What `tessera <path> --help` prints and the exit code main() gives it. */
async function help(path: string[]): Promise<{ exitCode: number; out: string; err: string }> {
  const program = buildProgram();
  const sink = { out: '', err: '' };
  capture(program, sink);
  try {
    await program.parseAsync(['node', 'tessera', ...path, '--help']);
    return { exitCode: 0, ...sink };
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return { exitCode: err.exitCode, ...sink };
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('every command answers --help with exit 0 and a Usage line naming it', async () => {
  const paths = commandPaths(buildProgram());
  // The walk reaches nested commands (a group inside a group) and the leaves under them.
  for (const known of ['terminal add', 'keys rotate', 'factory lot create', 'update check', 'ocra']) {
    assert.ok(paths.some((p) => p.join(' ') === known), `the walk finds ${known}`);
  }
  const failures: string[] = [];
  for (const path of paths) {
    const r = await help(path);
    const name = ['tessera', ...path].join(' ');
    const usage = new RegExp(`^Usage: ${escapeRegExp(name)}( |$)`, 'm');
    if (r.exitCode !== 0) failures.push(`${name} --help: exit ${r.exitCode}: ${r.err.trim().slice(0, 200)}`);
    else if (!usage.test(r.out)) failures.push(`${name} --help: no "Usage: ${name}" line`);
  }
  assert.deepEqual(failures, []);
});

test('the CLI process exits 0 on --help', async () => {
  const r = await runCli(['terminal', 'add', '--help'], { env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: tessera terminal add /m);
});
