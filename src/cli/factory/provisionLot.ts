// `tessera factory provision` (docs/factory.md §5): streams a lot's descriptors through the
// worker threads, appends images, index lines and bundle records in input order, hashes the
// bundle blocks as records stream past (and, with a direct import, inserts each batch), and
// checkpoints so that a rerun continues where the last run stopped. Memory holds the batches
// in flight, plus 20–30 bytes per terminal for duplicate detection (two seen-sets, ids and
// fingerprints); never the lot.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { BUNDLE_BLOCK_SIZE, type BundleManifest, type BundleRecord, sealManifest } from '../../protocol/factory/lotBundle.ts';
import { parseStationFile, type StationFile } from '../../protocol/factory/stationFile.ts';
import type { Primitives } from '../../protocol/primitives.ts';
import { insertLotRecords, type LotImportCounts } from '../../server/services/factory/lotRecords.ts';
import { createBatchRunner } from './batchRunner.ts';
import { BlockHasher } from './blockHasher.ts';
import { type Checkpoint, readCheckpoint, stationCheck, writeCheckpoint } from './checkpoint.ts';
import type { DescriptorSource, SourceBatch } from './descriptorSource.ts';
import type { DirectImport } from './directImport.ts';
import { openLotFiles, readRecords, recordLine } from './lotFiles.ts';
import { indexLine, LOT_FILES } from './otpPack.ts';
import type { Progress } from './progressBar.ts';
import type { ProvisionBatch } from './provisionBatch.ts';
import { bytesKey, SeenSet, stringKey } from './seenSet.ts';
import { writeFileAtomic } from '../../server/config/atomicFile.ts';

/** Terminals per job sent to a worker. */
const BATCH = 1000;
/** Jobs in flight per worker thread: one computing, the others queued behind it, so a worker never waits while the main thread writes or imports. */
const JOBS_PER_WORKER = 3;
/** Least time between two checkpoints (each syncs the data files). */
const CHECKPOINT_EVERY_MS = 5000;
/** Records per direct-import transaction (one bundle block): fewer, larger transactions rewrite the B-tree pages they touch less often. */
const IMPORT_CHUNK = BUNDLE_BLOCK_SIZE;
/** Direct-import transactions queued or under way while provisioning goes on (in order); one more makes commit wait for the oldest. */
const IMPORTS_IN_FLIGHT = 2;

/** Options of {@link provisionLot}. */
export interface ProvisionLotOptions {
  primitives: Primitives;
  station: StationFile;
  source: DescriptorSource;
  outDir: string;
  /** Worker threads; 0 computes on the calling thread. */
  workers: number;
  direct?: DirectImport;
  progress?: Progress;
}

/** What a run did. */
export interface ProvisionSummary {
  lotId: string;
  /** Terminals in the lot directory now. */
  total: number;
  /** Terminals this run added. */
  added: number;
  /** Terminals a previous run had already made. */
  resumedFrom: number;
  manifest: BundleManifest;
  /** Direct import counts (this run), or null. */
  imported: LotImportCounts | null;
}

function freshCheckpoint(lotId: string, station: string, source: DescriptorSource['kind']): Checkpoint {
  return { version: 1, lotId, station, source, inputDigest: null, done: 0, packBytes: 0, indexBytes: 0, recordsBytes: 0, blockSize: BUNDLE_BLOCK_SIZE, blocks: [], tailOffset: 0, imported: null };
}

function checkResume(cp: Checkpoint, lotId: string, station: string, source: DescriptorSource['kind']): void {
  if (cp.lotId !== lotId) throw new TesseraError('input.invalid', `this directory holds lot ${cp.lotId}, not ${lotId}`);
  if (cp.station !== station) throw new TesseraError('input.invalid', `this directory was provisioned with another station file of lot ${lotId}`);
  if (cp.source !== source) throw new TesseraError('input.invalid', `this directory was provisioned from ${cp.source === 'simulate' ? '--simulate' : '--hardware'}; continue it the same way`);
  if (cp.blockSize !== BUNDLE_BLOCK_SIZE) throw new TesseraError('input.invalid', `this directory uses bundle blocks of ${cp.blockSize} records`);
}

/** The first `n` terminals of a batch. */
function truncateBatch(b: ProvisionBatch, n: number): ProvisionBatch {
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += 4 + b.lengths[i]!;
  return { ids: b.ids.slice(0, n), hwHashes: b.hwHashes.slice(0, n), fph: b.fph.subarray(0, 32 * n), pack: b.pack.subarray(0, bytes), lengths: b.lengths.subarray(0, n) };
}

/** Provisions (or continues) a lot into `outDir`. */
export async function provisionLot(opts: ProvisionLotOptions): Promise<ProvisionSummary> {
  const p = opts.primitives;
  const lot = parseStationFile(opts.station);
  const lotId = lot.fields.lotId;
  const check = stationCheck(p, lot);
  const previous = readCheckpoint(opts.outDir);
  if (previous) checkResume(previous, lotId, check, opts.source.kind);
  const cp = previous ?? freshCheckpoint(lotId, check, opts.source.kind);
  mkdirSync(join(opts.outDir, 'bundle'), { recursive: true, mode: 0o700 });
  // Every refusal of a rerun comes before the manifest is removed (below), so it leaves the lot as it was.
  const files = openLotFiles(opts.outDir, cp);
  const runner = createBatchRunner(opts.station, opts.workers);
  const resumedFrom = cp.done;
  const expected = Math.max(opts.source.total ?? 0, cp.done);
  const seenIds = new SeenSet(expected);
  const seenHw = new SeenSet(expected);
  let block = new BlockHasher(lotId, cp.blocks.length);
  const imported: LotImportCounts | null = opts.direct ? { inserted: 0, skipped: 0, conflicts: 0, conflictIds: [] } : null;
  // Records [0, importedUpTo) are known to be in the direct-import database.
  let importedUpTo = opts.direct && cp.imported?.target === opts.direct.target ? cp.imported.upTo : 0;
  const now = new Date();

  /** Inserts records [end - records.length, end) (direct import). */
  const insert = async (records: readonly BundleRecord[], end: number) => {
    if (!opts.direct || !imported || records.length === 0 || end <= importedUpTo) return;
    const c = await insertLotRecords(opts.direct.store, opts.direct.lot, records, now);
    imported.inserted += c.inserted;
    imported.skipped += c.skipped;
    imported.conflicts += c.conflicts;
    imported.conflictIds = [...imported.conflictIds, ...c.conflictIds].slice(0, 10);
    if (importedUpTo >= end - records.length) importedUpTo = end;
  };

  // Direct import overlapping provisioning: records wait in `toImport` until a chunk is full,
  // then go into one transaction while the workers go on. Transactions run one after another
  // (a failed one stops those behind it); `imports` holds the chain after each, and commit
  // waits for the oldest when more than IMPORTS_IN_FLIGHT are queued, so memory stays bounded.
  // importedUpTo moves only when a transaction is done, so a checkpoint never claims more.
  let toImport: BundleRecord[] = [];
  let toImportEnd = 0;
  let importChain: Promise<void> = Promise.resolve();
  const imports: Array<Promise<void>> = [];
  const startImport = async () => {
    if (toImport.length > 0) {
      const [records, end] = [toImport, toImportEnd];
      toImport = [];
      importChain = importChain.then(() => insert(records, end));
      importChain.catch(() => {}); // awaited below and at the end; never an unhandled rejection
      imports.push(importChain);
    }
    while (imports.length > IMPORTS_IN_FLIGHT) await imports.shift();
  };
  /** Sends what waits and waits for every transaction; throws the first failure. */
  const finishImports = async () => {
    await startImport();
    imports.length = 0;
    await importChain;
  };

  try {
    // The input must be the one provisioned before (checked first: it changes nothing).
    const digest = await opts.source.skip(cp.done);
    if (cp.done > 0 && digest !== cp.inputDigest) {
      throw new TesseraError('input.invalid', `the first ${cp.done} descriptors of the hardware file are not the ones provisioned before: it is not the same file`);
    }
    // Re-learn what the lot holds: ids and fingerprints for duplicate checks, the unfinished
    // block's digest state, and (direct import) whatever the database has not seen yet.
    const tailStart = cp.blocks.length * cp.blockSize;
    let position = 0;
    let catchUp: BundleRecord[] = [];
    for await (const r of readRecords(files.records.path, 0, cp.recordsBytes)) {
      position++;
      const fph = fromBase64Url(r.hwHash, 'hwHash');
      seenIds.add(stringKey(r.terminalId));
      seenHw.add(bytesKey(fph));
      if (position > tailStart) block.add(r.terminalId, fph);
      if (opts.direct && position > importedUpTo) {
        catchUp.push({ terminalId: r.terminalId, hwHash: r.hwHash });
        if (catchUp.length === cp.blockSize) {
          await insert(catchUp, position);
          catchUp = [];
        }
      }
    }
    await insert(catchUp, position);
    if (position !== cp.done) throw new TesseraError('input.invalid', `${files.records.path} does not match ${LOT_FILES.checkpoint}; remove the lot directory and provision again`);
    // The run proceeds: the manifest is stale until it ends (and rewritten then, failure or not).
    rmSync(join(opts.outDir, LOT_FILES.manifest), { force: true });

    /** Finds the earlier record with this id or fingerprint (the exact check behind a SeenSet hit). */
    const findEarlier = async (batch: ProvisionBatch, upTo: number, id: string, hw: string): Promise<string | undefined> => {
      for (let j = 0; j < upTo; j++) if (batch.ids[j] === id || batch.hwHashes[j] === hw) return batch.ids[j];
      for await (const r of readRecords(files.records.path, 0, files.records.length)) if (r.terminalId === id || r.hwHash === hw) return r.terminalId;
      return undefined;
    };

    /** How many terminals of the batch are new to the lot; the error for the first that is not. */
    const checkDuplicates = async (sb: SourceBatch, all: ProvisionBatch): Promise<{ keep: number; duplicate?: TesseraError }> => {
      for (let i = 0; i < all.ids.length; i++) {
        const id = all.ids[i]!;
        const newId = seenIds.add(stringKey(id));
        const newHw = seenHw.add(bytesKey(all.fph, 32 * i));
        if (newId && newHw) continue;
        const earlier = await findEarlier(all, i, id, all.hwHashes[i]!);
        if (earlier === undefined) continue;
        const where = sb.job.lineNumbers ? `${opts.source.name} line ${sb.job.lineNumbers[i]}` : `terminal ${sb.job.first + i}`;
        return { keep: i, duplicate: new TesseraError('input.invalid', earlier === id ? `${where}: terminal id ${id} is already in lot ${lotId}` : `${where}: this hardware was already provisioned as terminal ${earlier}`) };
      }
      return { keep: all.ids.length };
    };

    // Appends a batch (those of its terminals before a bad descriptor or a duplicate), then
    // reports the bad one. The files and cp.done move together: `consistent` is false only
    // if a write fails halfway, and then no checkpoint is written (a rerun cuts it off).
    let consistent = true;
    const commit = async (sb: SourceBatch, all: ProvisionBatch): Promise<void> => {
      const { keep, duplicate } = await checkDuplicates(sb, all);
      const result = keep === all.ids.length ? all : truncateBatch(all, keep);
      const first = cp.done;
      let offset = files.pack.length;
      let index = '';
      let records = '';
      const finished: Array<{ digest: Uint8Array; tailOffset: number }> = [];
      let hashed = 0; // records of this batch already in a block digest
      for (let i = 0; i < result.ids.length; i++) {
        const id = result.ids[i]!;
        index += indexLine(id, offset + 4, result.lengths[i]!);
        offset += 4 + result.lengths[i]!;
        records += recordLine(id, result.hwHashes[i]!);
        if (block.count + (i + 1 - hashed) === cp.blockSize) {
          block.addMany(result.ids, result.fph, hashed, i + 1);
          hashed = i + 1;
          finished.push({ digest: block.digest(), tailOffset: files.records.length + records.length });
          block = new BlockHasher(lotId, block.index + 1);
        }
      }
      block.addMany(result.ids, result.fph, hashed, result.ids.length);
      consistent = false;
      files.pack.append(result.pack);
      files.index.append(index);
      files.records.append(records);
      cp.done += result.ids.length;
      cp.inputDigest = sb.digest(result.ids.length);
      for (const f of finished) {
        cp.blocks.push(toBase64Url(f.digest));
        cp.tailOffset = f.tailOffset;
      }
      consistent = true;
      if (opts.direct) {
        for (let i = 0; i < result.ids.length; i++) toImport.push({ terminalId: result.ids[i]!, hwHash: result.hwHashes[i]! });
        toImportEnd = first + result.ids.length;
        if (toImport.length >= IMPORT_CHUNK) await startImport();
      }
      if (duplicate) throw duplicate;
      const f = all.failure;
      if (f) throw new TesseraError(f.code ?? 'input.invalid', `${f.line === null ? `terminal ${f.position}` : `${opts.source.name} line ${f.line}`}: ${f.message}`);
    };

    const checkpoint = () => {
      files.sync();
      Object.assign(cp, { packBytes: files.pack.length, indexBytes: files.index.length, recordsBytes: files.records.length });
      cp.imported = opts.direct ? { target: opts.direct.target, upTo: importedUpTo } : cp.imported;
      writeCheckpoint(opts.outDir, cp);
    };

    opts.progress?.start(opts.source.total ?? cp.done, cp.done);
    const inFlight: Array<{ sb: SourceBatch; result: Promise<ProvisionBatch> }> = [];
    const depth = Math.max(2, runner.threads * JOBS_PER_WORKER);
    let lastCheckpoint = performance.now();
    let failure: unknown;
    const commitNext = async () => {
      const next = inFlight.shift()!;
      await commit(next.sb, await next.result);
      opts.progress?.update(cp.done);
      if (performance.now() - lastCheckpoint >= CHECKPOINT_EVERY_MS) {
        checkpoint();
        lastCheckpoint = performance.now();
      }
    };
    try {
      for await (const sb of opts.source.batches(BATCH)) {
        const result = runner.run(sb.job);
        result.catch(() => {}); // awaited in order below; never an unhandled rejection
        inFlight.push({ sb, result });
        if (inFlight.length >= depth) await commitNext();
      }
      while (inFlight.length > 0) await commitNext();
    } catch (err) {
      failure = err;
    }
    if (!consistent) throw failure;
    try {
      await finishImports(); // records committed before a failure are imported too
    } catch (err) {
      failure ??= err;
    }
    // Whatever was committed stays: the checkpoint records it, and the manifest covers it
    // (the unfinished block too; a later run grows that block and rewrites the manifest).
    checkpoint();
    const blocks = block.count > 0 ? [...cp.blocks, toBase64Url(block.digest())] : [...cp.blocks];
    const manifest = sealManifest(p, lot.lotKey, { lotId, kid: lot.fields.kid, count: cp.done, blockSize: cp.blockSize, blocks });
    writeFileAtomic(join(opts.outDir, LOT_FILES.manifest), `${JSON.stringify(manifest, null, 1)}\n`, 0o644);
    if (failure !== undefined) throw failure;
    return { lotId, total: cp.done, added: cp.done - resumedFrom, resumedFrom, manifest, imported };
  } finally {
    await importChain.catch(() => {}); // the caller closes the store after this returns
    opts.progress?.stop();
    opts.source.close();
    files.close();
    await runner.close();
  }
}
