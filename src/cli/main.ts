// The `tessera` command: builds the commander program and maps failures to exit codes
// (0 success, 1 refused/failed check, 2 usage or input error).
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describeError, exitCodeFor } from './cliErrors.ts';
import { factoryCommand } from './commands/factory.ts';
import { bindingCommand } from './commands/binding.ts';
import { codesCommand } from './commands/codes.ts';
import { keysCommand } from './commands/keys.ts';
import { ocraCommand } from './commands/ocra.ts';
import { serveCommand } from './commands/serve.ts';
import { terminalCommand } from './commands/terminal.ts';
import { updateCommand } from './commands/update.ts';

/** Builds the program with every command. */
export function buildProgram(): Command {
  const program = new Command('tessera')
    .description('Tessera terminal-trust platform: server, terminal tools and admin CLI')
    .version('0.1.0')
    // Program options only before a subcommand, so `update publish --version 1.2.3` is the subcommand's.
    .enablePositionalOptions()
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true });
  program.addCommand(serveCommand());
  program.addCommand(terminalCommand());
  program.addCommand(ocraCommand());
  program.addCommand(keysCommand());
  program.addCommand(factoryCommand());
  program.addCommand(bindingCommand());
  program.addCommand(codesCommand());
  program.addCommand(updateCommand());
  const exitOverride = (cmd: Command) => {
    cmd.exitOverride();
    for (const sub of cmd.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help asked for (or --version) exits 0; help shown because a subcommand is missing is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}

/** Whether this file is the program node was started with (through any symlink, as npm links bins). */
function invokedDirectly(): boolean {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(resolve(process.argv[1]));
  } catch {
    return false;
  }
}
if (invokedDirectly()) process.exitCode = await main(process.argv);
