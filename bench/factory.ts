// `npm run bench:factory -- --count 1000000 [--pg] [--workers N] [--source] [--keep] [--cpu-prof]`:
// provisions a simulated lot end to end — OTP images written to a pack, the bundle with its
// MAC, server records imported directly into SQLite (or PostgreSQL with --pg: private schema,
// dropped afterwards) — by running the real CLI, `tessera factory provision --simulate N
// --sqlite|--database …`, as a child process. By default the child is the compiled package
// (tsc into node_modules/.cache, what an installed `tessera` runs); --source runs it from the
// TypeScript sources under tsx instead (about 60 MB more in the runs docs/factory.md §8 lists:
// the loader in every thread).
// Memory: the child reports its own maxRSS, which covers its worker threads (they share the
// process); this harness samples the child's VmRSS as a cross-check, reports its own peak,
// and with --pg the PostgreSQL processes' peak PSS. The last line is one JSON object.
// Figures are printed, never asserted.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { findInIndex, LOT_FILES, readPackImage } from '../src/cli/factory/otpPack.ts';
import { AEAD_SUITE_NAMES } from '../src/protocol/aeadSuites.ts';
import { deriveLotKey, deriveLotTerminalKey } from '../src/protocol/factory/lotKeys.ts';
import { simulatedLotDescriptor } from '../src/protocol/factory/simulatedLotDescriptor.ts';
import { stationFileFor } from '../src/protocol/factory/stationFile.ts';
import { fingerprintHash } from '../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../src/protocol/nodePrimitives.ts';
import { parseOtpImage, unsealOtpImage } from '../src/protocol/otp/otpImage.ts';
import { parseMasterKeys } from '../src/server/config/masterKeys.ts';
import { deriveServerId } from '../src/server/config/serverConfig.ts';
import type { KyselyDurableStore } from '../src/server/store/kyselyDurableStore.ts';
import { openDurableStore } from '../src/server/store/openDurableStore.ts';
import { prepareBackend } from './lib/backends.ts';
import { runCleanups } from './lib/children.ts';
import { summariseCpuProfile } from './lib/cpuProfile.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = join(ROOT, 'node_modules/.cache/tessera-bench-build');
const log = (line: string) => process.stderr.write(`tessera-bench: ${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);
const LOT = 'L-BENCH';

const USAGE = `usage: npm run bench:factory -- [--count N] [--pg] [--workers N] [--source] [--keep] [--cpu-prof]

  --count N     terminals in the simulated lot (default 1000000)
  --pg          server records into PostgreSQL (TESSERA_DATABASE_URL or
                postgres://postgres@127.0.0.1:5432/test; private schema, dropped after)
  --workers N   worker threads for the crypto (default: the CLI's, one per CPU)
  --source      run the CLI from the TypeScript sources under tsx, not the compiled package
  --keep        keep the lot directory and database (path printed)
  --cpu-prof    profile every thread of the CLI process and print where the time went
`;

interface Options {
  count: number;
  pg: boolean;
  workers: number | undefined;
  source: boolean;
  keep: boolean;
  cpuProf: boolean;
}

function options(): Options | undefined {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      count: { type: 'string' },
      pg: { type: 'boolean' },
      workers: { type: 'string' },
      source: { type: 'boolean' },
      keep: { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const int = (v: string, min: number) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new Error(`not an integer ≥ ${min}: ${v}`);
    return n;
  };
  return {
    count: values.count === undefined ? 1_000_000 : int(values.count, 1),
    pg: Boolean(values.pg),
    workers: values.workers === undefined ? undefined : int(values.workers, 0),
    source: Boolean(values.source),
    keep: Boolean(values.keep),
    cpuProf: Boolean(values['cpu-prof']),
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(path) : st.mtimeMs);
  }
  return newest;
}

/** Compiles src/ (tsconfig.build.json) into the cache unless it is newer than every source file; false if tsc fails. */
function build(): boolean {
  const marker = join(BUILD, '.built');
  if (existsSync(marker) && statSync(marker).mtimeMs > newestMtime(join(ROOT, 'src'))) return true;
  log(`compiling src/ into ${BUILD} (tsc -p tsconfig.build.json)…`);
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    log(`tsc failed (${String((err as { stdout?: Buffer }).stdout ?? '').split('\n')[0]}); measuring from the sources under tsx instead`);
    return false;
  }
  mkdirSync(BUILD, { recursive: true });
  writeFileSync(marker, '');
  return true;
}

/** Proportional set size (kB) of every process whose command is `name` (shared pages split fairly). */
function pssOf(name: string): number {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== name) continue;
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // gone, or not readable
    }
  }
  return kb;
}

const vmKb = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

interface CliSummary {
  total: number;
  added: number;
  blocks: number;
  imported: { inserted: number; skipped: number; conflicts: number } | null;
  seconds: number;
  cpuSeconds: number;
  workers: number;
  peakRssMb: number;
}

async function main(opts: Options | undefined): Promise<void> {
  if (!opts) return void out(USAGE);
  const compiled = !opts.source && build();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-factory-'));
  const backend = await prepareBackend({ pg: opts.pg, redis: false });
  const ring = parseMasterKeys(`1:${Buffer.from(p.randomBytes(32)).toString('base64url')}`);
  const lotKey = deriveLotKey(p, ring.current.key, LOT);
  const station = stationFileFor({
    lotKey,
    fields: { lotId: LOT, kid: 1, serverId: deriveServerId(ring), url: 'https://tessera.example.com', handshakeSuites: ['hmac-sha256', 'hmac-sm3'], aeadSuites: [...AEAD_SUITE_NAMES], updatePublicKey: p.randomBytes(32) },
  });
  writeFileSync(join(dir, 'station.json'), JSON.stringify(station), { mode: 0o600 });
  const outDir = join(dir, 'lot');
  const sqlitePath = join(dir, 'tessera.sqlite');
  const target = opts.pg ? ['--database', backend.env['TESSERA_DATABASE_URL']!, '--schema', backend.env['TESSERA_DATABASE_SCHEMA']!] : ['--sqlite', sqlitePath];
  const profDir = opts.cpuProf ? mkdtempSync(join(tmpdir(), 'tessera-bench-prof-')) : undefined;
  const entry = compiled ? [join(BUILD, 'cli/main.js')] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
  const args = [
    ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    ...entry,
    ...['factory', 'provision', '--lot', LOT, '--station', join(dir, 'station.json'), '--simulate', String(opts.count), '--out', outDir, ...target, '--json'],
    ...(opts.workers === undefined ? [] : ['--workers', String(opts.workers)]),
  ];
  log(`provisioning ${opts.count} simulated terminals of ${LOT} with the ${compiled ? 'compiled' : 'tsx-run'} CLI into ${outDir}; records into ${opts.pg ? 'PostgreSQL' : sqlitePath} (${backend.label})`);

  const loadBefore = loadavg()[0]!; // the machine may be shared: a busy one slows every figure but the CPU time
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, TESSERA_MASTER_KEY: `1:${Buffer.from(ring.current.key).toString('base64url')}` }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  let sampledKb = 0;
  let pgPeakKb = 0;
  const sampler = setInterval(() => {
    sampledKb = Math.max(sampledKb, vmKb(child.pid!, 'VmRSS'), vmKb(child.pid!, 'VmHWM'));
    if (opts.pg) pgPeakKb = Math.max(pgPeakKb, pssOf('postgres'));
  }, 100);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearInterval(sampler);
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`the CLI exited with ${code}: ${stdout.trim()}`);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as CliSummary;

  // Check the result: every record in the database, and the first and last image boot.
  const store = (await openDurableStore(opts.pg ? { databaseUrl: backend.env['TESSERA_DATABASE_URL'], sqlitePath: ':memory:', schema: backend.env['TESSERA_DATABASE_SCHEMA'] } : { sqlitePath })) as KyselyDurableStore;
  const rows = Number((await sql<{ n: string | number }>`select count(*) as n from terminals where lot_id = ${LOT}`.execute(store.db)).rows[0]!.n);
  await store.close();
  for (const position of [1, opts.count]) {
    const entryOf = (await findInIndex(join(outDir, LOT_FILES.index), { position }))!;
    const image = parseOtpImage(p, readPackImage(join(outDir, LOT_FILES.pack), entryOf));
    const key = unsealOtpImage(p, image, fingerprintHash(p, simulatedLotDescriptor(p, LOT, position)));
    if (!key || !p.equal(key, deriveLotTerminalKey(p, lotKey, entryOf.terminalId))) throw new Error(`the image of terminal ${position} does not boot`);
  }
  const packBytes = statSync(join(outDir, LOT_FILES.pack)).size;
  const rate = opts.count / summary.seconds;
  const harnessMb = process.resourceUsage().maxRSS / 1024;

  out(`Factory provisioning (${backend.label}, ${compiled ? 'compiled' : 'tsx'} CLI, ${summary.workers} worker thread(s), ${availableParallelism()} CPUs): ${opts.count} terminals in ${summary.seconds.toFixed(2)} s = ${Math.round(rate)} terminals/s (process wall ${wall.toFixed(2)} s with start-up)`);
  out(`  CPU time of the CLI process (all threads): ${summary.cpuSeconds.toFixed(2)} s = ${((summary.cpuSeconds * 1e6) / opts.count).toFixed(1)} µs per terminal (${(summary.cpuSeconds / summary.seconds).toFixed(2)} cores busy on average)`);
  out(`  images: ${(packBytes / 1e6).toFixed(1)} MB pack (${(packBytes / opts.count).toFixed(0)} B/terminal); bundle ${summary.blocks} blocks; ${rows} server records (${summary.imported?.inserted ?? 0} inserted)`);
  out(`  peak RSS of the CLI process (main thread + ${summary.workers} workers): ${summary.peakRssMb.toFixed(1)} MB (its maxRSS; sampled VmHWM ${(sampledKb / 1024).toFixed(1)} MB); this harness: ${harnessMb.toFixed(1)} MB${opts.pg ? `; PostgreSQL processes: peak PSS ${(pgPeakKb / 1024).toFixed(1)} MB` : ''}`);
  if (rows !== opts.count) out(`  WARNING: ${rows} records for ${opts.count} terminals`);
  if (profDir) {
    for (const f of readdirSync(profDir).filter((n) => n.endsWith('.cpuprofile'))) {
      out(`CPU profile ${join(profDir, f)} (one per thread):`);
      for (const line of summariseCpuProfile(readFileSync(join(profDir, f), 'utf8'))) out(`  ${line}`);
    }
  }
  if (opts.keep) out(`  kept: ${dir}${opts.pg ? ` and schema ${backend.env['TESSERA_DATABASE_SCHEMA']} (drop it yourself)` : ''}`);
  else rmSync(dir, { recursive: true, force: true });
  out(
    JSON.stringify({
      terminals_per_s: Math.round(rate),
      peak_rss_mb: summary.peakRssMb,
      count: opts.count,
      seconds: summary.seconds,
      cpu_us_per_terminal: Number(((summary.cpuSeconds * 1e6) / opts.count).toFixed(1)),
      backend: opts.pg ? 'postgresql' : 'sqlite',
      code: compiled ? 'compiled' : 'tsx',
      workers: summary.workers,
      harness_rss_mb: Number(harnessMb.toFixed(1)),
      load_avg_before: Number(loadBefore.toFixed(2)),
      ...(opts.pg ? { postgres_peak_pss_mb: Number((pgPeakKb / 1024).toFixed(1)) } : {}),
    }),
  );
}

let keep = false;
try {
  const opts = options();
  keep = opts?.keep ?? false;
  await main(opts);
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  if (!keep) await runCleanups();
}
