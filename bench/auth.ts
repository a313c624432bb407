// `npm run bench:auth`: measures Tessera mutual handshakes (hello + finish, fresh challenge
// each) per second and their p50/p99 latency against a real server child, then the requests
// per second of a bare Fastify POST endpoint (the floor) the same way, and prints
// ratio = handshakes/s ÷ (floor requests/s ÷ 2). With --vs-mtls it also measures node:tls
// mutual-TLS handshakes per second of server CPU beside Tessera's. Load always comes from a
// separate driver process; every child is killed at the end. Figures are printed, never
// asserted. Flags: see bench/lib/options.ts (or --help).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beginHandshake, identityFromCredential } from '../src/protocol/handshake/terminalHandshake.ts';
import { nodePrimitives } from '../src/protocol/nodePrimitives.ts';
import { prepareBackend } from './lib/backends.ts';
import { makeBenchPki, OPENSSL_MISSING, opensslVersion } from './lib/certs.ts';
import { killAllNow, onCleanup, runCleanups, stopChild } from './lib/children.ts';
import { summariseCpuProfile } from './lib/cpuProfile.ts';
import type { LoadPlan } from './lib/driverProtocol.ts';
import { type CpuMeter, type DriverRun, procMeter, runDriver } from './lib/driverRun.ts';
import { type BenchOptions, parseOptions, USAGE, UsageError } from './lib/options.ts';
import { namedProcessesCpuSeconds, procAvailable } from './lib/procCpu.ts';
import { startFloorServer, startMtlsServer } from './lib/referenceServers.ts';
import { fixed, round } from './lib/stats.ts';
import { registerTerminals, startTesseraServer } from './lib/tesseraServer.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`tessera-bench: ${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

/** Operations per second inside the window. */
const rate = (run: DriverRun) => run.result.completed / (run.result.windowMs / 1000);
/** CPU seconds per wall second inside the window (1.0 = one core busy). */
const cores = (run: DriverRun, meter: string) => (run.cpuSeconds[meter] ?? Number.NaN) / (run.result.windowMs / 1000);

/**
 * Cores busy in processes other than the server and driver (machine − server − driver −
 * interrupts). Loopback softirq work is sometimes also charged to the process that ran it,
 * so the difference can dip below zero; it is shown as 0 then.
 */
const others = (run: DriverRun) => Math.max(0, cores(run, 'machine') - cores(run, 'server') - cores(run, 'driver') - cores(run, 'interrupts'));

/** Operations per second of server CPU inside the window. */
const perCpu = (run: DriverRun) => run.result.completed / (run.cpuSeconds['server'] ?? Number.NaN);

/** One human-readable result line. */
function describeRun(label: string, unit: string, run: DriverRun): string {
  const r = run.result;
  const errors = r.errors === 0 ? '0 errors' : `${r.errors} ERRORS`;
  return (
    `${label}: ${fixed(rate(run), 1)} ${unit}/s (${r.completed} in ${fixed(r.windowMs / 1000, 2)} s, ${errors}; ${fixed(perCpu(run), 1)} per server-CPU-second), ` +
    `p50 ${fixed(r.p50Ms, 2)} ms, p99 ${fixed(r.p99Ms, 2)} ms; CPU in cores: server ${fixed(cores(run, 'server'), 2)}, driver ${fixed(cores(run, 'driver'), 2)}, ` +
    `irq/softirq ${fixed(cores(run, 'interrupts'), 2)}, other processes ${fixed(others(run), 2)}`
  );
}

/** Extra lines: errors seen, notes, and who looked saturated. */
function details(run: DriverRun): string[] {
  const lines = run.result.notes.map((n) => `  ${n}`);
  for (const s of run.result.errorSamples) lines.push(`  error x${s.count}: ${s.message}`);
  const server = cores(run, 'server');
  const driver = cores(run, 'driver');
  const rest = others(run);
  if (driver >= 0.9 && server < 0.85) lines.push(`  note: the load driver (${fixed(driver, 2)} cores) saturated before the server (${fixed(server, 2)}): this figure is driver-bound`);
  const services = cores(run, 'services');
  const strangers = Number.isFinite(services) ? rest - services : rest;
  if (strangers >= 0.25) lines.push(`  note: processes outside this benchmark took ${fixed(strangers, 2)} cores of this machine during the window: figures are noisy`);
  return lines;
}

async function printProfile(dir: string): Promise<void> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) {
    log(`no .cpuprofile appeared in ${dir} (the server did not exit cleanly?)`);
    return;
  }
  for (const f of files) {
    out(`Tessera server CPU profile ${join(dir, f)} (kept; open in Chrome DevTools):`);
    for (const line of summariseCpuProfile(readFileSync(join(dir, f), 'utf8'))) out(`  ${line}`);
  }
}

async function measureTessera(options: BenchOptions, plan: LoadPlan) {
  const backend = await prepareBackend(options);
  const profDir = options.cpuProf ? mkdtempSync(join(tmpdir(), 'tessera-bench-prof-')) : undefined;
  const server = await startTesseraServer(ROOT, { ...backend.env, TESSERA_LOG_LEVEL: options.logLevel }, profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);
  const credentials = await registerTerminals(server, options.terminals);
  const first = credentials[0]!;
  const helloBody = JSON.stringify(beginHandshake(nodePrimitives, identityFromCredential(first), first.suites).hello);
  log(`Tessera server ${server.serverId} on ${server.url} (pid ${server.pid}, ${backend.label}, log level ${options.logLevel}), ${credentials.length} terminals; driving handshakes…`);

  const meters: CpuMeter[] = [procMeter('server', server.pid)];
  if (backend.serviceProcesses.length > 0) meters.push({ name: 'services', read: async () => namedProcessesCpuSeconds(backend.serviceProcesses) });
  const run = await runDriver(ROOT, { kind: 'tessera', url: server.url, credentials }, plan, meters);
  await stopChild(server.child, 10_000);
  out(describeRun(`Tessera handshakes (${backend.label})`, 'handshakes', run));
  if (backend.serviceProcesses.length > 0) {
    out(`  ${backend.serviceProcesses.join(' + ')} processes (local, same machine) used ${fixed(cores(run, 'services'), 2)} cores during the window (counted under "other processes")`);
  }
  for (const line of details(run)) out(line);
  const logs = server.logs();
  out(`  the server wrote ${logs.lines} log line(s) at level ${options.logLevel} and above${logs.lastWarning ? `; the last at warn or above: ${logs.lastWarning.slice(0, 300)}` : ', none at warn or above'}`);
  const stderr = server.stderr.lines.filter((line) => !/^tessera: (server \S+ listening on|created) /.test(line)); // minus its start-up lines
  if (stderr.length > 0) out(`  and on stderr: ${stderr.at(-1)?.slice(0, 300)}`);
  if (profDir) await printProfile(profDir);
  return { run, backend: backend.label, helloBody };
}

async function measureFloor(plan: LoadPlan, body: string, nodeHttp = false, workUs = 0) {
  const what = nodeHttp ? 'node:http alone, no framework' : workUs > 0 ? `bare Fastify, ${workUs} µs of work per request` : 'bare Fastify';
  const floor = await startFloorServer(ROOT, nodeHttp, workUs);
  log(`floor server (${what}) on ${floor.url} (pid ${floor.child.pid}); driving ${Buffer.byteLength(body)}-byte POSTs…`);
  const run = await runDriver(ROOT, { kind: 'floor', url: floor.url, path: '/floor', body }, plan, [procMeter('server', floor.child.pid!)]);
  await stopChild(floor.child);
  out(describeRun(`Floor (${what} JSON POST)`, 'requests', run));
  for (const line of details(run)) out(line);
  return run;
}

async function measureMtls(plan: LoadPlan) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-pki-'));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const pki = makeBenchPki(dir);
  const server = await startMtlsServer(ROOT, dir);
  log(`mTLS server (node:tls, P-256) on 127.0.0.1:${server.port} (pid ${server.child.pid}); driving fresh connections…`);
  const before = await server.stats();
  const run = await runDriver(
    ROOT,
    { kind: 'mtls', host: '127.0.0.1', port: server.port, servername: 'localhost', caPem: pki.caPem, certPem: pki.clientCertPem, keyPem: pki.clientKeyPem },
    plan,
    [server.meter, procMeter('server-proc', server.child.pid!)],
  );
  const after = await server.stats(); // reported at the end by the server itself
  await stopChild(server.child);
  out(describeRun('mTLS handshakes (node:tls, ECDSA P-256 client certs, no resumption)', 'handshakes', run));
  for (const line of details(run)) out(line);
  out(
    `  server process.cpuUsage() over the window: ${fixed(run.cpuSeconds['server'], 2)} s (/proc says ${fixed(run.cpuSeconds['server-proc'], 2)} s); ` +
      `over the whole run it accepted ${after.accepted - before.accepted} and refused ${after.refused - before.refused} handshakes in ${fixed(after.cpuSeconds - before.cpuSeconds, 2)} CPU s`,
  );
  return run;
}

/** Runs everything; returns the exit code. The JSON line is printed last, after clean-up. */
async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    out(USAGE);
    return 0;
  }
  if (options.vsMtls) {
    const version = opensslVersion();
    if (!version) {
      process.stderr.write(`tessera-bench: ${OPENSSL_MISSING}\n`);
      return 2;
    }
    if (!procAvailable()) {
      process.stderr.write('tessera-bench: --vs-mtls needs /proc/<pid>/stat to charge the Tessera server for its CPU (Linux only)\n');
      return 2;
    }
    log(`certificates by ${version}`);
  }
  const plan: LoadPlan = { concurrency: options.concurrency, warmupMs: options.warmupS * 1000, durationMs: options.durationS * 1000, operationTimeoutMs: 10_000 };
  log(`${options.concurrency} in flight, ${options.warmupS} s warm-up, ${options.durationS} s measured per run`);

  const tessera = await measureTessera(options, plan);
  const floor = await measureFloor(plan, tessera.helloBody);
  const nodeFloor = options.nodeFloor ? await measureFloor(plan, tessera.helloBody, true) : undefined;
  const busyFloor = options.floorWorkUs > 0 ? await measureFloor(plan, tessera.helloBody, false, options.floorWorkUs) : undefined;
  const mtls = options.vsMtls ? await measureMtls(plan) : undefined;
  await runCleanups();

  const handshakesPerS = rate(tessera.run);
  const floorPerS = rate(floor);
  const summary: Record<string, unknown> = {
    handshakes_per_s: round(handshakesPerS, 1),
    floor_requests_per_s: round(floorPerS, 1),
    ratio: round(handshakesPerS / (floorPerS / 2), 3),
    p50_ms: round(tessera.run.result.p50Ms, 2),
    p99_ms: round(tessera.run.result.p99Ms, 2),
    backend: tessera.backend,
    log_level: options.logLevel,
    concurrency: options.concurrency,
    duration_s: options.durationS,
    errors: tessera.run.result.errors,
    floor_errors: floor.result.errors,
    server_cpu_cores: round(cores(tessera.run, 'server'), 2),
    floor_server_cpu_cores: round(cores(floor, 'server'), 2),
    // The same ratio per second of server CPU: less sensitive to other load on the machine.
    ratio_per_cpu: round(perCpu(tessera.run) / (perCpu(floor) / 2), 3),
  };
  if (nodeFloor) {
    // What a request costs with no framework at all, beside the Fastify floor's cost.
    const nodePerCpu = perCpu(nodeFloor);
    out(`Per second of server CPU: Fastify floor ${fixed(perCpu(floor), 1)} requests, node:http floor ${fixed(nodePerCpu, 1)} requests`);
    Object.assign(summary, {
      node_http_floor_requests_per_s: round(rate(nodeFloor), 1),
      node_http_floor_requests_per_cpu_s: round(nodePerCpu, 1),
      floor_requests_per_cpu_s: round(perCpu(floor), 1),
    });
  }
  if (busyFloor) {
    // Server CPU per request beyond the route's own busy work: what the HTTP stack (parse,
    // route, reply, socket write) cost when the server was as slow per request as that.
    const plainUs = 1e6 / perCpu(floor);
    const busyUs = 1e6 / perCpu(busyFloor) - options.floorWorkUs;
    out(
      `Server CPU per request beyond the route's work: ${fixed(plainUs, 1)} µs in the plain floor, ${fixed(busyUs, 1)} µs with ${options.floorWorkUs} µs of work per request; ` +
        `a Tessera handshake (two requests) cost ${fixed(1e6 / perCpu(tessera.run), 1)} µs`,
    );
    Object.assign(summary, {
      floor_work_us: options.floorWorkUs,
      floor_http_us_per_request: round(plainUs, 1),
      busy_floor_http_us_per_request: round(busyUs, 1),
      handshake_server_us: round(1e6 / perCpu(tessera.run), 1),
    });
  }
  if (mtls) {
    const tesseraPerCpu = perCpu(tessera.run);
    const mtlsPerCpu = perCpu(mtls);
    out(`Per second of server CPU: Tessera ${fixed(tesseraPerCpu, 1)} handshakes, mTLS ${fixed(mtlsPerCpu, 1)} handshakes`);
    Object.assign(summary, {
      tessera_handshakes_per_cpu_s: round(tesseraPerCpu, 1),
      mtls_handshakes_per_s: round(rate(mtls), 1),
      mtls_handshakes_per_cpu_s: round(mtlsPerCpu, 1),
      mtls_errors: mtls.result.errors,
      vs_mtls: round(tesseraPerCpu / mtlsPerCpu, 3),
    });
  }
  out(JSON.stringify(summary));
  return 0;
}

process.on('exit', killAllNow);
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping children and cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (err) {
  if (!interrupted) log(`failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await runCleanups();
}
process.exit(code);
