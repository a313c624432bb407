// `tessera keys rotate`: adds a new newest master key to the data dir's key file. New
// terminals use it after the next restart; existing terminals keep their kid. Rotations of
// one file are serialized by a lock file (masterKeys.ts). Several processes reading one key
// file restart one by one, so a process with the new key would make terminals the others
// cannot verify: set TESSERA_MASTER_KEY_CURRENT to the old kid on every process first
// (docs/operations.md, "Master keys and rotation").
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { rotateKeyFile } from '../../server/config/masterKeys.ts';
import { DATA_FILES } from '../../server/config/serverConfig.ts';

/** The keys command. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage the master-key file of an embedded deployment');
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
