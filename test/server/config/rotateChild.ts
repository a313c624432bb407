// Child process of keyFileRotation.test.ts: `rotateChild.ts KEYFILE ROUNDS GATEDIR`. Says it
// is ready (a file in GATEDIR), waits for GATEDIR/go so every child starts at one instant,
// then rotates the key file ROUNDS times and prints what each attempt gave as JSON.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rotateKeyFile } from '../../../src/server/config/masterKeys.ts';

const [path, rounds, gate] = process.argv.slice(2) as [string, string, string];
writeFileSync(join(gate, `ready-${process.pid}`), '');
const deadline = Date.now() + 60_000;
while (!existsSync(join(gate, 'go'))) {
  if (Date.now() > deadline) throw new Error('no go');
}

const outcomes: Array<{ kid: number } | { error: string }> = [];
for (let i = 0; i < Number(rounds); i++) {
  try {
    const ring = rotateKeyFile(path);
    outcomes.push({ kid: ring.kids[ring.kids.length - 1]! });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    outcomes.push({ error: `${e.code ?? 'error'}: ${e.message ?? String(err)}` });
  }
}
process.stdout.write(JSON.stringify(outcomes));
