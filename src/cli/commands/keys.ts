// `tessera keys generate`: prints a fresh 32-byte key in base64url, as TESSERA_MASTER_KEY
// (`--kid N` gives the `N:key` pair) and TESSERA_UPDATE_KEY take it; nothing is written.
// `tessera keys rotate`: adds a new newest master key to the data dir's key file. New
// terminals use it after the next restart; existing terminals keep their kid. Rotations of
// one file are serialized by a lock file (masterKeys.ts). Several processes reading one key
// file restart one by one, so a process with the new key would make terminals the others
// cannot verify: set TESSERA_MASTER_KEY_CURRENT to the old kid on every process first
// (docs/operations.md, "Master keys and rotation").
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { TesseraError } from '../../protocol/errors.ts';
import { rotateKeyFile } from '../../server/config/masterKeys.ts';
import { DATA_FILES } from '../../server/config/serverConfig.ts';

/** The keys command. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('Make master and update keys, and rotate the master-key file of an embedded deployment');
  keys
    .command('generate')
    .description('Print a fresh 32-byte key, base64url: for TESSERA_UPDATE_KEY, or with --kid for one TESSERA_MASTER_KEY pair')
    .option('--kid <n>', 'print it as the pair <n>:<key> of a master-key version (1–999999999)')
    .addHelpText('after', '\nExamples:\n  export TESSERA_MASTER_KEY="$(tessera keys generate --kid 1)"\n  export TESSERA_MASTER_KEY="$TESSERA_MASTER_KEY,$(tessera keys generate --kid 2)"   # rotation\n  export TESSERA_UPDATE_KEY="$(tessera keys generate)"')
    .action((opts: { kid?: string }) => {
      if (opts.kid !== undefined && !/^[1-9]\d{0,8}$/.test(opts.kid)) throw new TesseraError('input.invalid', `--kid must be an integer from 1 to 999999999 (got "${opts.kid}")`);
      const key = randomBytes(32).toString('base64url');
      process.stdout.write(`${opts.kid === undefined ? '' : `${opts.kid}:`}${key}\n`);
    });
  keys
    .command('rotate')
    .description('Add a new master key version; restart the server to use it for new terminals (several processes: see TESSERA_MASTER_KEY_CURRENT)')
    .option('--data-dir <dir>', 'data dir (default TESSERA_DATA_DIR or ./.tessera)')
    .action((opts: { dataDir?: string }) => {
      const dir = resolve(opts.dataDir ?? process.env['TESSERA_DATA_DIR'] ?? './.tessera');
      const ring = rotateKeyFile(join(dir, DATA_FILES.masterKeys));
      process.stdout.write(`master key kid ${ring.kids[ring.kids.length - 1]} added; kids now ${ring.kids.join(', ')}\n`);
    });
  return keys;
}
