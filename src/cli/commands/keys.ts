// `tessera keys rotate`: adds a new newest master key to the data dir's key file. New
// terminals use it after the next restart; existing terminals keep their kid. Rotations of
// one file are serialized by a lock file (masterKeys.ts).
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { rotateKeyFile } from '../../server/config/masterKeys.ts';
import { DATA_FILES } from '../../server/config/serverConfig.ts';

/** The keys command. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage the master-key file of an embedded deployment');
  keys
    .command('rotate')
    .description('Add a new master key version; restart the server to use it for new terminals')
    .option('--data-dir <dir>', 'data dir (default TESSERA_DATA_DIR or ./.tessera)')
    .action((opts: { dataDir?: string }) => {
      const dir = resolve(opts.dataDir ?? process.env['TESSERA_DATA_DIR'] ?? './.tessera');
      const ring = rotateKeyFile(join(dir, DATA_FILES.masterKeys));
      process.stdout.write(`master key kid ${ring.kids[ring.kids.length - 1]} added; kids now ${ring.kids.join(', ')}\n`);
    });
  return keys;
}
