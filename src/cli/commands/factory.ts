// `tessera factory lot create|list|show`, `provision`, `import` and `extract`: the factory
// station's workflow of docs/factory.md, from a lot's station file to images written into
// devices and records on the server.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Static } from 'typebox';
import { Command } from 'commander';
import { TesseraError } from '../../protocol/errors.ts';
import { parseStationFile, type StationFile } from '../../protocol/factory/stationFile.ts';
import { fingerprintHash, type HardwareDescriptor } from '../../protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { parseOtpImage, unsealOtpImage } from '../../protocol/otp/otpImage.ts';
import { LOT_ID_PATTERN } from '../../protocol/factory/lotKeys.ts';
import { defaultTerminalId } from '../../protocol/factory/provisionTerminal.ts';
import { HANDSHAKE_LIMITS } from '../../protocol/handshake/messages.ts';
import { simulatedLotDescriptor } from '../../protocol/factory/simulatedLotDescriptor.ts';
import { type AdminClient, type AdminOptions, adminClient, adminOptions, warnMorePages } from '../adminClient.ts';
import { checkNewFile, checkOutputDir, print, warn, writeNewFile, writeShownOnce } from '../output.ts';
import type { LotReply } from '../../server/routes/lotSchemas.ts';
import { hardwareSource, simulatedSource } from '../factory/descriptorSource.ts';
import { openDirectImport } from '../factory/directImport.ts';
import { importBundle } from '../factory/importBundle.ts';
import { findInIndex, LOT_FILES, readPackImage } from '../factory/otpPack.ts';
import { createProgress } from '../factory/progressBar.ts';
import { provisionLot } from '../factory/provisionLot.ts';

type LotJson = Static<typeof LotReply>;

const lotRow = (l: LotJson) => `${l.id}\tkid=${l.kid}\t${l.handshakeSuites.join(',')}\t${l.aeadSuites.join(',')}\t${l.createdAt}${l.label ? `\t${l.label}` : ''}`;
const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter(Boolean);

function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? 'not JSON';
    throw new TesseraError('input.invalid', `cannot read the ${what} ${path} (${why})`);
  }
}

function positiveInt(text: string, flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new TesseraError('input.invalid', max === Number.MAX_SAFE_INTEGER ? `${flag} must be an integer ≥ ${min}` : `${flag} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/**
 * Most synthetic terminals one run makes (`simulate --count`, `provision --simulate`): ten
 * million, ten times the lot docs/factory.md §9 measures; the duplicate tables alone take about
 * 200 MB at that size, and the ids stay within 64 characters for a lot id of up to 55.
 */
const MAX_SIMULATED = 10_000_000;

const LOT_ID = new RegExp(LOT_ID_PATTERN);
const TERMINAL_ID = new RegExp(HANDSHAKE_LIMITS.terminalIdPattern);

/** Checks a --lot the terminal ids <lot>-000001 … <lot>-<count> are made from, as the server would. */
function checkLotId(lot: string, count: number): void {
  if (!LOT_ID.test(lot)) throw new TesseraError('input.invalid', `--lot ${JSON.stringify(lot)} is not a lot id: 1–64 characters of A–Z a–z 0–9 . _ : -, starting with a letter or digit`);
  const last = defaultTerminalId(lot, count);
  if (!TERMINAL_ID.test(last)) throw new TesseraError('input.invalid', `--lot ${lot} is too long: terminal id ${last} would be over 64 characters`);
}

/** What an import did to the server's records, as the summary lines show it. */
function importCounts(c: { inserted: number; skipped: number; conflicts: number; conflictIds: readonly string[] }): string {
  return `${c.inserted} inserted, ${c.skipped} already there${c.conflicts ? `, ${c.conflicts} CONFLICTS (${c.conflictIds.join(', ')})` : ''}`;
}

/**
 * Creates a lot through the admin API and writes its station file (a new file of mode 0600,
 * created before the request; the server shows it once). Returns the lot and its station file.
 */
async function createLot(admin: AdminClient, body: Record<string, unknown>, out: string): Promise<{ lot: LotJson; station: StationFile }> {
  const created = await writeShownOnce(
    out,
    { shown: 'the station file is shown only once', nothing: 'no lot was created', lost: (created) => `lot ${created?.lot.id ?? String(body['lotId'])} was created but ${out} could not be written; its station file is lost: create another lot` },
    () => admin.call<{ lot: LotJson; station: StationFile }>('POST', '/v1/admin/lots', body),
    ({ station }) => `${JSON.stringify(station, null, 2)}\n`,
  );
  const host = new URL(created.station.url).hostname;
  if (host === 'localhost' || host === '[::1]' || host.startsWith('127.')) {
    warn(`every image of lot ${created.lot.id} will send terminals to ${created.station.url}; set TESSERA_PUBLIC_URL on the server before creating lots for the field`);
  }
  return created;
}

function lotCommand(): Command {
  const lot = new Command('lot').description('Create and list production lots (admin API)');
  adminOptions(lot.command('create'))
    .description('Create a lot and write its station file (mode 0600; holds the lot key; shown once)')
    .requiredOption('--lot <id>', 'lot id, e.g. L-2026-11')
    .requiredOption('--out <file>', 'station file to create (refuses to overwrite)')
    .option('--handshake-suites <list>', 'handshake suites the lot\'s terminals offer, in order (default: the server\'s)')
    .option('--aead-suites <list>', 'AEAD suites the lot allows, in order; the first seals the images (default: all)')
    .option('--label <text>', 'free-text label')
    .option('--json', 'print the lot record as JSON')
    .addHelpText('after', '\nExample:\n  tessera factory lot create --lot L-2026-11 --out station-L-2026-11.json')
    .action(async (opts: AdminOptions & { lot: string; out: string; handshakeSuites?: string; aeadSuites?: string; label?: string; json?: boolean }) => {
      const body: Record<string, unknown> = { lotId: opts.lot };
      if (opts.handshakeSuites !== undefined) body['handshakeSuites'] = list(opts.handshakeSuites);
      if (opts.aeadSuites !== undefined) body['aeadSuites'] = list(opts.aeadSuites);
      if (opts.label !== undefined) body['label'] = opts.label;
      const out = await createLot(adminClient(opts), body, opts.out);
      print(opts.json ? JSON.stringify(out.lot) : `created lot ${out.lot.id} (kid ${out.lot.kid}); station file written to ${opts.out}`);
    });
  adminOptions(lot.command('list'))
    .description('List lots')
    .option('--limit <n>', 'page size (1–1000)', '100')
    .option('--after <id>', 'start after this lot id')
    .option('--json', 'print JSON')
    .action(async (opts: AdminOptions & { limit: string; after?: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: opts.limit });
      if (opts.after) q.set('after', opts.after);
      const out = await adminClient(opts).call<{ lots: LotJson[]; next: string | null }>('GET', `/v1/admin/lots?${q}`);
      if (opts.json) print(JSON.stringify(out));
      else {
        for (const l of out.lots) print(lotRow(l));
        warnMorePages(out.next, 'lots', '--after');
      }
    });
  adminOptions(lot.command('show'))
    .description('Show a lot (never its key)')
    .argument('<id>', 'lot id')
    .action(async (id: string, opts: AdminOptions) => {
      print(JSON.stringify(await adminClient(opts).call<LotJson>('GET', `/v1/admin/lots/${encodeURIComponent(id)}`), null, 2));
    });
  return lot;
}

interface ProvisionFlags extends AdminOptions {
  lot: string;
  station?: string;
  hardware?: string;
  simulate?: string;
  out: string;
  workers?: string;
  database?: string;
  sqlite?: string;
  schema?: string;
  dataDir?: string;
  json?: boolean;
}

function provisionCommand(): Command {
  return new Command('provision')
    .description('Provision a lot: OTP images, image index and the signed import bundle; resumable and idempotent')
    .requiredOption('--lot <id>', 'lot id (must match the station file)')
    .option('--station <file>', 'the lot\'s station file (default station-<lot>.json; with --url, the lot is created there when the file does not exist yet)')
    .option('--hardware <file>', 'hardware descriptors, one JSON object per line')
    .option('--simulate <n>', 'make n synthetic descriptors instead (deterministic per lot)')
    .requiredOption('--out <dir>', 'lot directory (created; a rerun continues it)')
    .option('--workers <n>', 'worker threads for the crypto (0: none; default: one per CPU, none for small lots)')
    .option('--database <url>', 'also import the records directly into this PostgreSQL database')
    .option('--sqlite <path>', 'also import the records directly into this SQLite database file')
    .option('--schema <name>', 'PostgreSQL schema (default TESSERA_DATABASE_SCHEMA)')
    .option('--data-dir <dir>', 'data dir with master.keys, for a direct import without TESSERA_MASTER_KEY')
    .option('--url <url>', 'also register the lot on this server through its admin API (creating the lot first when there is no station file yet)')
    .option('--admin-token <token>', 'admin token for --url (default TESSERA_ADMIN_TOKEN or the data dir\'s admin.token)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExamples:\n  tessera factory provision --lot L-2026-11 --station station-L-2026-11.json --hardware devices.jsonl --out ./lot/\n  tessera factory provision --lot L-2026-11 --hardware devices.jsonl --out ./lot/ --url https://tessera.example   (creates the lot, provisions, registers)\n  tessera factory provision --lot L-2026-11 --station station-L-2026-11.json --simulate 1000 --out ./lot/ --sqlite .tessera/tessera.sqlite')
    .action(async (opts: ProvisionFlags) => {
      if (Boolean(opts.hardware) === Boolean(opts.simulate)) throw new TesseraError('input.invalid', 'give one of --hardware and --simulate');
      if ([opts.database, opts.sqlite, opts.url].filter(Boolean).length > 1) throw new TesseraError('input.invalid', 'give at most one of --database, --sqlite and --url');
      const stationPath = opts.station ?? `station-${opts.lot}.json`;
      const server = opts.url ? adminClient(opts) : undefined;
      let station: StationFile;
      if (existsSync(stationPath)) station = readJsonFile(stationPath, 'station file') as StationFile;
      else if (server) {
        station = (await createLot(server, { lotId: opts.lot }, stationPath)).station;
        if (!opts.json) print(`created lot ${opts.lot} on ${server.url}; station file written to ${stationPath}`);
      } else throw new TesseraError('input.invalid', `no station file ${stationPath}: create the lot first (tessera factory lot create --lot ${opts.lot} --out ${stationPath}), or give --url to create it on the server`);
      if (station?.lotId !== opts.lot) throw new TesseraError('input.invalid', `the station file is for lot ${String(station?.lotId)}, not ${opts.lot}`);
      checkOutputDir('--out', opts.out);
      const source = opts.simulate ? simulatedSource(positiveInt(opts.simulate, '--simulate', 1, MAX_SIMULATED)) : hardwareSource(opts.hardware!);
      const workers = opts.workers !== undefined ? positiveInt(opts.workers, '--workers', 0) : (source.total ?? 0) < 4000 ? 0 : availableParallelism();
      const material = parseStationFile(station);
      const direct = opts.database || opts.sqlite ? await openDirectImport(nodePrimitives, material, { databaseUrl: opts.database, sqlitePath: opts.sqlite, schema: opts.schema, dataDir: opts.dataDir }) : undefined;
      if (direct?.warning) warn(direct.warning);
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      try {
        const s = await provisionLot({ primitives: nodePrimitives, station, source, outDir: opts.out, workers, direct, progress: createProgress(`provision ${opts.lot}`, 'terminals') });
        const seconds = (performance.now() - started) / 1000;
        const registered = server ? await importBundle(server, join(opts.out, 'bundle'), createProgress('import', 'records')) : undefined;
        // Conflicting records (an id already registered with other data) fail the run, JSON or not.
        if (registered?.conflicts || s.imported?.conflicts) process.exitCode = 1;
        if (opts.json) {
          // maxRSS covers the worker threads too: they share this process.
          const peakRssMb = Number((process.resourceUsage().maxRSS / 1024).toFixed(1));
          // CPU time of every thread of the process (user + system), a figure that holds on a busy machine.
          const cpu = process.cpuUsage(cpuBefore);
          const cpuSeconds = Number(((cpu.user + cpu.system) / 1e6).toFixed(3));
          const imported = registered ? { inserted: registered.inserted, skipped: registered.skipped, conflicts: registered.conflicts, conflictIds: registered.conflictIds } : s.imported;
          print(JSON.stringify({ lotId: s.lotId, total: s.total, added: s.added, resumedFrom: s.resumedFrom, blocks: s.manifest.blocks.length, imported, seconds: Number(seconds.toFixed(3)), cpuSeconds, workers, peakRssMb }));
          return;
        }
        print(`lot ${s.lotId}: ${s.total} terminal${s.total === 1 ? '' : 's'} (${s.added} new, ${s.resumedFrom} from an earlier run) in ${seconds.toFixed(1)} s`);
        print(`  images: ${join(opts.out, LOT_FILES.pack)} (index ${join(opts.out, LOT_FILES.index)})`);
        print(`  bundle: ${join(opts.out, 'bundle')} (${s.manifest.count} records, ${s.manifest.blocks.length} blocks, MAC under the lot key)`);
        if (s.imported) print(`  imported into ${direct!.target}: ${importCounts(s.imported)}`);
        if (registered) print(`  registered on ${server!.url}: ${importCounts(registered)}`);
      } finally {
        await direct?.store.close();
      }
    });
}

function importCommand(): Command {
  return adminOptions(new Command('import'))
    .description('Register a provisioned lot on the server from its bundle (one request per block; safe to repeat)')
    .argument('<dir>', 'the bundle directory (or the lot directory holding bundle/)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExample:\n  tessera factory import ./lot/bundle')
    .action(async (dir: string, opts: AdminOptions & { json?: boolean }) => {
      const s = await importBundle(adminClient(opts), dir, createProgress('import', 'records'));
      if (opts.json) print(JSON.stringify(s));
      else print(`lot ${s.lotId}: ${s.count} records in ${s.blocks} blocks: ${importCounts(s)}`);
      if (s.conflicts > 0) process.exitCode = 1;
    });
}

function extractCommand(): Command {
  return new Command('extract')
    .description('Copy one terminal\'s OTP image out of a lot\'s pack, checking it (and optionally that it unseals on given hardware)')
    .requiredOption('--pack <path>', 'the lot directory or its images.otp (images.idx must sit next to it)')
    .option('--terminal <id>', 'terminal id')
    .option('--position <n>', 'or the n-th terminal of the lot (1-based, input order)')
    .requiredOption('--out <file>', 'image file to create (refuses to overwrite)')
    .option('--check-hardware <file>', 'a hardware descriptor (JSON object): refuse unless the image unseals with it')
    .addHelpText('after', '\nExample:\n  tessera factory extract --pack ./lot --terminal L-2026-11-000042 --out otp.bin --check-hardware device.json')
    .action(async (opts: { pack: string; terminal?: string; position?: string; out: string; checkHardware?: string }) => {
      if (Boolean(opts.terminal) === Boolean(opts.position)) throw new TesseraError('input.invalid', 'give one of --terminal and --position');
      checkNewFile('--out', opts.out, 'an image file is never overwritten');
      const packPath = existsSync(opts.pack) && statSync(opts.pack).isDirectory() ? join(opts.pack, LOT_FILES.pack) : opts.pack;
      const indexPath = join(packPath, '..', LOT_FILES.index);
      if (!existsSync(indexPath)) throw new TesseraError('input.invalid', `no ${LOT_FILES.index} next to ${packPath}`);
      const want = opts.terminal ? { terminalId: opts.terminal } : { position: positiveInt(opts.position!, '--position') };
      const entry = await findInIndex(indexPath, want);
      if (!entry) throw new TesseraError('input.invalid', `no terminal ${opts.terminal ?? `at position ${opts.position}`} in ${indexPath}`);
      const bytes = readPackImage(packPath, entry);
      const image = parseOtpImage(nodePrimitives, bytes); // otp.image_corrupt on any damaged byte
      if (image.terminalId !== entry.terminalId) throw new TesseraError('otp.image_corrupt', `the pack holds terminal ${image.terminalId} where the index says ${entry.terminalId}`);
      if (opts.checkHardware) {
        const fph = fingerprintHash(nodePrimitives, readJsonFile(opts.checkHardware, 'hardware descriptor') as HardwareDescriptor);
        if (!unsealOtpImage(nodePrimitives, image, fph)) {
          process.stderr.write(`tessera: the image of ${entry.terminalId} does not unseal with the hardware in ${opts.checkHardware}: wrong device; nothing written\n`);
          process.exitCode = 1;
          return;
        }
      }
      await writeNewFile('--out', opts.out, 0o600, (write) => write(bytes));
      print(`${entry.terminalId}: ${bytes.length}-byte OTP image written to ${opts.out}${opts.checkHardware ? ' (unseals with the given hardware)' : ''}`);
    });
}

function simulateCommand(): Command {
  return new Command('simulate')
    .description('Write the synthetic hardware descriptors --simulate uses, as a devices.jsonl (each line names its terminal), for trying the workflow without devices')
    .requiredOption('--lot <id>', 'lot id')
    .requiredOption('--count <n>', 'how many devices')
    .requiredOption('--out <file>', 'JSON-lines file to create (refuses to overwrite)')
    .addHelpText('after', '\nExample:\n  tessera factory simulate --lot L-2026-11 --count 5 --out devices.jsonl')
    .action(async (opts: { lot: string; count: string; out: string }) => {
      const count = positiveInt(opts.count, '--count', 1, MAX_SIMULATED);
      checkLotId(opts.lot, count);
      // Whole or not at all: a temporary file renamed at the end, removed on failure or Ctrl-C.
      await writeNewFile('--out', opts.out, 0o644, async (write) => {
        for (let i = 1; i <= count; ) {
          let chunk = '';
          for (const end = Math.min(count, i + 999); i <= end; i++) chunk += `${JSON.stringify({ terminalId: defaultTerminalId(opts.lot, i), ...simulatedLotDescriptor(nodePrimitives, opts.lot, i) })}\n`;
          write(chunk);
          await new Promise(setImmediate); // lets a signal in
        }
      });
      print(`${count} simulated devices of lot ${opts.lot} written to ${opts.out}`);
    });
}

/** The factory command group. */
export function factoryCommand(): Command {
  const factory = new Command('factory').description('Factory station: lots, provisioning into OTP images, bundle import, image extraction (docs/factory.md)');
  factory.addCommand(lotCommand());
  factory.addCommand(provisionCommand());
  factory.addCommand(importCommand());
  factory.addCommand(extractCommand());
  factory.addCommand(simulateCommand());
  return factory;
}
