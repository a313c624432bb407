// `npm run bench:factory -- --count 1000000 [--pg] [--workers N] [--keep] [--cpu-prof]`:
// provisions a simulated lot end to end — OTP images written to a pack, bundle with its MAC,
// server records imported directly into SQLite (or PostgreSQL with --pg, private schema
// dropped afterwards) — and prints terminals per second and peak RSS. Everything runs in
// this one process (the crypto on worker threads, whose memory is the process's), so the
// process's maxRSS is the peak of all of it; --pg also samples the PostgreSQL processes' PSS.
// The last line is one JSON object. Figures are printed, never asserted.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { simulatedSource } from '../src/cli/factory/descriptorSource.ts';
import { openDirectImport } from '../src/cli/factory/directImport.ts';
import { findInIndex, LOT_FILES, readPackImage } from '../src/cli/factory/otpPack.ts';
import { createProgress } from '../src/cli/factory/progressBar.ts';
import { provisionLot } from '../src/cli/factory/provisionLot.ts';
import { AEAD_SUITE_NAMES } from '../src/protocol/aeadSuites.ts';
import { deriveLotKey, deriveLotTerminalKey } from '../src/protocol/factory/lotKeys.ts';
import { simulatedLotDescriptor } from '../src/protocol/factory/simulatedLotDescriptor.ts';
import { parseStationFile, stationFileFor } from '../src/protocol/factory/stationFile.ts';
import { fingerprintHash } from '../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../src/protocol/nodePrimitives.ts';
import { parseOtpImage, unsealOtpImage } from '../src/protocol/otp/otpImage.ts';
import { parseMasterKeys } from '../src/server/config/masterKeys.ts';
import { deriveServerId } from '../src/server/config/serverConfig.ts';
import type { KyselyDurableStore } from '../src/server/store/kyselyDurableStore.ts';
import { prepareBackend } from './lib/backends.ts';
import { runCleanups } from './lib/children.ts';
import { summariseCpuProfile } from './lib/cpuProfile.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`tessera-bench: ${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);
const LOT = 'L-BENCH';

const USAGE = `usage: npm run bench:factory -- [--count N] [--pg] [--workers N] [--keep] [--cpu-prof]

  --count N     terminals in the simulated lot (default 1000000)
  --pg          server records into PostgreSQL (TESSERA_DATABASE_URL or
                postgres://postgres@127.0.0.1:5432/test; private schema, dropped after)
  --workers N   worker threads for the crypto (default: one per CPU)
  --keep        keep the lot directory and database (path printed)
  --cpu-prof    profile every thread (runs the benchmark in a child under --cpu-prof)
`;

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: { count: { type: 'string' }, pg: { type: 'boolean' }, workers: { type: 'string' }, keep: { type: 'boolean' }, 'cpu-prof': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const int = (v: string | undefined, d: number, min: number) => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`bad number ${v}`);
    return n;
  };
  return { help: Boolean(values.help), count: int(values.count, 1_000_000, 1), pg: Boolean(values.pg), workers: int(values.workers, availableParallelism(), 0), keep: Boolean(values.keep), cpuProf: Boolean(values['cpu-prof']) };
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
      // gone, or not ours to read
    }
  }
  return kb;
}

/** Re-runs this benchmark in a child under --cpu-prof and summarises each thread's profile. */
async function profiled(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-prof-'));
  const args = process.argv.slice(2).filter((a) => a !== '--cpu-prof');
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', join(ROOT, 'bench/factory.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  child.stdout.on('data', (d: Buffer) => {
    process.stdout.write(d);
    last += d.toString();
  });
  await new Promise((r) => child.on('exit', r));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    out(`CPU profile ${join(dir, f)} (one per thread; open in Chrome DevTools):`);
    for (const line of summariseCpuProfile(readFileSync(join(dir, f), 'utf8'))) out(`  ${line}`);
  }
  const json = last.trimEnd().split('\n').find((l) => l.startsWith('{"terminals_per_s"'));
  if (json) out(json);
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.help) return void out(USAGE);
  if (opts.cpuProf) return profiled();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-factory-'));
  const backend = await prepareBackend({ pg: opts.pg, redis: false });
  const ring = parseMasterKeys(`1:${Buffer.from(p.randomBytes(32)).toString('base64url')}`);
  const lotKey = deriveLotKey(p, ring.current.key, LOT);
  const station = stationFileFor({
    lotKey,
    fields: { lotId: LOT, kid: 1, serverId: deriveServerId(ring), url: 'https://tessera.example.com', handshakeSuites: ['hmac-sha256', 'hmac-sm3'], aeadSuites: [...AEAD_SUITE_NAMES], updatePublicKey: p.randomBytes(32) },
  });
  const material = parseStationFile(station);
  const env = { ...process.env, TESSERA_MASTER_KEY: `1:${Buffer.from(ring.current.key).toString('base64url')}` };
  const direct = await openDirectImport(p, material, opts.pg ? { databaseUrl: backend.env['TESSERA_DATABASE_URL'], schema: backend.env['TESSERA_DATABASE_SCHEMA'] } : { sqlitePath: join(dir, 'tessera.sqlite') }, env);
  const outDir = join(dir, 'lot');
  log(`provisioning ${opts.count} simulated terminals of ${LOT} into ${outDir} with ${opts.workers} worker thread(s); records into ${direct.target} (${backend.label})`);

  let pgPeakKb = 0;
  const sampler = opts.pg ? setInterval(() => (pgPeakKb = Math.max(pgPeakKb, pssOf('postgres'))), 250) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await provisionLot({ primitives: p, station, source: simulatedSource(opts.count), outDir, workers: opts.workers, direct, progress: createProgress('provision', 'terminals') });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (sampler) clearInterval(sampler);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));

  // Check the result: every record in the database, and the first and last image boot.
  const db = (direct.store as KyselyDurableStore).db;
  const rows = Number((await sql<{ n: string | number }>`select count(*) as n from terminals where lot_id = ${LOT}`.execute(db)).rows[0]!.n);
  for (const position of [1, opts.count]) {
    const entry = (await findInIndex(join(outDir, LOT_FILES.index), { position }))!;
    const image = parseOtpImage(p, readPackImage(join(outDir, LOT_FILES.pack), entry));
    const key = unsealOtpImage(p, image, fingerprintHash(p, simulatedLotDescriptor(p, LOT, position)));
    if (!key || !p.equal(key, deriveLotTerminalKey(p, lotKey, entry.terminalId))) throw new Error(`the image of terminal ${position} does not boot`);
  }
  await direct.store.close();
  const packBytes = statSync(join(outDir, LOT_FILES.pack)).size;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = opts.count / seconds;

  out(`Factory provisioning (${backend.label}, ${opts.workers} worker thread(s), ${availableParallelism()} CPUs): ${opts.count} terminals in ${seconds.toFixed(2)} s = ${Math.round(rate)} terminals/s`);
  out(`  images: ${(packBytes / 1e6).toFixed(1)} MB pack (${(packBytes / opts.count).toFixed(0)} B/terminal); bundle ${summary.manifest.blocks.length} blocks; ${rows} server records in ${direct.target}`);
  out(`  CPU: ${cpuSeconds.toFixed(1)} s in all threads (${((cpuSeconds * 1e6) / opts.count).toFixed(1)} µs/terminal, ${(cpuSeconds / seconds).toFixed(2)} cores busy)`);
  out(`  peak RSS of this process (main thread + workers): ${peakRssMb.toFixed(1)} MB (maxRSS; VmHWM ${hwm ? (Number(hwm[1]) / 1024).toFixed(1) : '?'} MB)${opts.pg ? `; PostgreSQL processes peak PSS ${(pgPeakKb / 1024).toFixed(1)} MB` : ''}`);
  if (rows !== opts.count) out(`  WARNING: ${rows} records for ${opts.count} terminals`);
  if (opts.keep) out(`  kept: ${dir}${opts.pg ? ` and schema ${backend.env['TESSERA_DATABASE_SCHEMA']} (drop it yourself)` : ''}`);
  else rmSync(dir, { recursive: true, force: true });
  out(
    JSON.stringify({
      terminals_per_s: Math.round(rate),
      peak_rss_mb: Number(peakRssMb.toFixed(1)),
      count: opts.count,
      seconds: Number(seconds.toFixed(2)),
      backend: backend.label.split('+')[0],
      workers: opts.workers,
      cpu_us_per_terminal: Number(((cpuSeconds * 1e6) / opts.count).toFixed(1)),
      ...(opts.pg ? { postgres_peak_pss_mb: Number((pgPeakKb / 1024).toFixed(1)) } : {}),
    }),
  );
}

try {
  await main();
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  if (!process.argv.includes('--keep')) await runCleanups();
}
