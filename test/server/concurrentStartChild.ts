// Child process of concurrentStart.test.ts: `concurrentStartChild.ts MODE BASEDIR ROUNDS GATEDIR`.
// Says it is ready (a file in GATEDIR), waits for GATEDIR/go, which holds the instant of round
// 0 and the round length, then in each round r waits for that instant + r × length and does what a starting server
// does on BASEDIR/r<r>: MODE 'secrets' resolves the config (creating the secret files), MODE
// 'sqlite' opens (and migrates) the SQLite store. Prints one outcome per round as JSON.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../src/server/config/loadSettings.ts';
import { formatMasterKeys } from '../../src/server/config/masterKeys.ts';
import { resolveServerConfig } from '../../src/server/config/serverConfig.ts';
import { openDurableStore } from '../../src/server/store/openDurableStore.ts';

const [mode, base, rounds, gate] = process.argv.slice(2) as ['secrets' | 'sqlite', string, string, string];
writeFileSync(join(gate, `ready-${process.pid}`), '');
const deadline = Date.now() + 60_000;
while (!existsSync(join(gate, 'go'))) {
  if (Date.now() > deadline) throw new Error('no go');
}
const { start, roundMs } = JSON.parse(readFileSync(join(gate, 'go'), 'utf8')) as { start: number; roundMs: number };
const digest = (text: string) => createHash('sha256').update(text).digest('hex');

const outcomes: Array<{ secrets?: string } | { error: string }> = [];
for (let r = 0; r < Number(rounds); r++) {
  const dataDir = join(base, `r${r}`);
  while (Date.now() < start + r * roundMs);
  try {
    if (mode === 'secrets') {
      const config = resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dataDir }));
      outcomes.push({ secrets: digest([formatMasterKeys(config.masterKeys), config.adminToken, Buffer.from(config.updateKey.publicKey).toString('hex')].join('|')) });
    } else {
      const store = await openDurableStore({ sqlitePath: join(dataDir, 'tessera.sqlite') });
      await store.close();
      outcomes.push({});
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    outcomes.push({ error: `${e.code ?? 'error'}: ${e.message ?? String(err)}` });
  }
}
process.stdout.write(JSON.stringify(outcomes));
