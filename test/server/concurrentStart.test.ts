// Several servers starting at one instant on one empty data dir (systemd instances, containers
// sharing a volume) or one empty PostgreSQL schema: every process gets the same master keys,
// admin token and update key, the database is migrated once, all agree on the server id, and
// none fails because another was first.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { durableServerId } from '../../src/server/config/durableServerId.ts';
import { parseMasterKeys } from '../../src/server/config/masterKeys.ts';
import { openDurableStore } from '../../src/server/store/openDurableStore.ts';
import { DATA_FILES } from '../../src/server/config/serverConfig.ts';

const PROCESSES = 4;
const ROUNDS = 12;
const ROUND_MS = 150;
const CHILD = fileURLToPath(new URL('./concurrentStartChild.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const DATABASE_URL = process.env['TESSERA_DATABASE_URL'];

type Outcome = { secrets?: string } | { error: string };

/** Runs the child in `PROCESSES` processes released together; returns each process's outcomes by round. */
async function startTogether(mode: 'secrets' | 'sqlite', base: string): Promise<Outcome[][]> {
  const gate = mkdtempSync(join(tmpdir(), 'tessera-gate-'));
  try {
    const children = Array.from({ length: PROCESSES }, () =>
      new Promise<Outcome[]>((resolve, reject) => {
        execFile(process.execPath, ['--import', TSX, CHILD, mode, base, String(ROUNDS), gate], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`start child failed: ${err.message} ${stderr}`));
          else resolve(JSON.parse(stdout) as Outcome[]);
        });
      }),
    );
    const deadline = Date.now() + 60_000;
    while (readdirSync(gate).length < PROCESSES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Written aside and renamed, so no child reads a part of it.
    writeFileSync(join(gate, 'go.tmp'), JSON.stringify({ start: Date.now() + ROUND_MS, roundMs: ROUND_MS }));
    renameSync(join(gate, 'go.tmp'), join(gate, 'go'));
    // Every child finishes before the caller removes the dirs, even when one failed.
    const settled = await Promise.allSettled(children);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<Outcome[]>).value);
  } finally {
    rmSync(gate, { recursive: true, force: true });
  }
}

const errorsOf = (outcomes: Outcome[][]) => outcomes.flat().flatMap((o) => ('error' in o ? [o.error] : []));

test('servers starting at once on one empty data dir all start, with the same secrets, and leave only the secret files', async () => {
  const base = mkdtempSync(join(tmpdir(), 'tessera-start-'));
  try {
    const outcomes = await startTogether('secrets', base);
    assert.deepEqual(errorsOf(outcomes), [], 'no process failed');
    for (let r = 0; r < ROUNDS; r++) {
      assert.equal(new Set(outcomes.map((o) => (o[r] as { secrets: string }).secrets)).size, 1, `round ${r}: every process holds the same secrets`);
      const dir = join(base, `r${r}`);
      assert.deepEqual(readdirSync(dir).sort(), [DATA_FILES.adminToken, DATA_FILES.masterKeys, DATA_FILES.updateKey], `round ${r}: no temp file is left`);
      for (const f of readdirSync(dir)) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('servers starting at once on one empty SQLite file all start and migrate it once', async () => {
  const base = mkdtempSync(join(tmpdir(), 'tessera-start-'));
  try {
    for (let r = 0; r < ROUNDS; r++) mkdirSync(join(base, `r${r}`), { mode: 0o700 });
    const outcomes = await startTogether('sqlite', base);
    assert.deepEqual(errorsOf(outcomes), [], 'no process failed');
    for (let r = 0; r < ROUNDS; r++) {
      const db = new SqliteDatabase(join(base, `r${r}`, 'tessera.sqlite'), { readonly: true });
      try {
        const names = db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>;
        assert.equal(names.length, new Set(names.map((n) => n.name)).size);
        assert.ok(names.some((n) => n.name === '0007_deployment_meta'), `round ${r}: migrated to the latest`);
      } finally {
        db.close();
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('servers starting at once on one empty PostgreSQL schema all start, migrate it once and store one server id', { skip: DATABASE_URL ? false : 'TESSERA_DATABASE_URL is not set' }, async () => {
  // Each store has a pool of its own, as each process would: Kysely's advisory lock serializes them.
  const schema = `start_${randomBytes(6).toString('hex')}`;
  const rings = Array.from({ length: 6 }, (_, i) => parseMasterKeys(`1:${Buffer.alloc(32, i + 1).toString('base64url')}`));
  const opened = await Promise.allSettled(rings.map(() => openDurableStore({ databaseUrl: DATABASE_URL!, sqlitePath: ':memory:', schema })));
  const stores = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const client = new pg.Client({ connectionString: DATABASE_URL! });
  await client.connect();
  try {
    assert.deepEqual(opened.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : [])), [], 'no process failed');
    const ids = await Promise.all(stores.map((store, i) => durableServerId(store.meta, rings[i]!, undefined)));
    assert.equal(new Set(ids.map((id) => id.serverId)).size, 1, 'every process uses the one stored id');
    const { rows } = await client.query(`select count(*)::int as n, count(distinct name)::int as d from "${schema}".kysely_migration`);
    assert.equal(rows[0].n, rows[0].d);
    assert.ok(rows[0].n >= 7);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }
});
