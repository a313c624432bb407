// `tessera factory import DIR`: sends a lot's bundle to the server one block per request
// (POST /v1/admin/lots/:id/import). The server checks each block against the manifest MAC
// and skips terminals it has, so an interrupted or repeated import is simply run again.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '../../protocol/errors.ts';
import { blockLength, type BundleManifest, type BundleRecord } from '../../protocol/factory/lotBundle.ts';
import type { AdminClient } from '../adminClient.ts';
import { readRecords } from './lotFiles.ts';
import type { Progress } from './progressBar.ts';

/** Totals of an import. */
export interface ImportSummary {
  lotId: string;
  count: number;
  blocks: number;
  inserted: number;
  skipped: number;
  conflicts: number;
  conflictIds: string[];
}

/** Reads bundle/manifest.json (the directory may be the lot dir or its bundle/). */
function readBundle(dir: string): { manifest: BundleManifest; recordsPath: string } {
  const bundleDir = existsSync(join(dir, 'manifest.json')) ? dir : join(dir, 'bundle');
  const manifestPath = join(bundleDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new TesseraError('input.invalid', `no manifest.json in ${dir}: not a bundle, or its provisioning run did not finish (run it again)`);
  }
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest;
  } catch {
    throw new TesseraError('input.invalid', `${manifestPath} is not JSON`);
  }
  if (typeof manifest?.lotId !== 'string' || !Array.isArray(manifest.blocks) || !Number.isSafeInteger(manifest.count) || !Number.isSafeInteger(manifest.blockSize)) {
    throw new TesseraError('input.invalid', `${manifestPath} is not a bundle manifest`);
  }
  return { manifest, recordsPath: join(bundleDir, 'records.ndjson') };
}

/** Imports every block of the bundle in `dir`. */
export async function importBundle(admin: AdminClient, dir: string, progress?: Progress): Promise<ImportSummary> {
  const { manifest, recordsPath } = readBundle(dir);
  const path = `/v1/admin/lots/${encodeURIComponent(manifest.lotId)}/import`;
  const total: ImportSummary = { lotId: manifest.lotId, count: manifest.count, blocks: manifest.blocks.length, inserted: 0, skipped: 0, conflicts: 0, conflictIds: [] };
  let index = 0;
  let records: BundleRecord[] = [];
  let sent = 0;
  const send = async () => {
    const out = await admin.call<{ inserted: number; skipped: number; conflicts: number; conflictIds: string[] }>('POST', path, { manifest, block: index, records });
    total.inserted += out.inserted;
    total.skipped += out.skipped;
    total.conflicts += out.conflicts;
    total.conflictIds = [...total.conflictIds, ...out.conflictIds].slice(0, 10);
    sent += records.length;
    progress?.update(sent);
    index++;
    records = [];
  };
  progress?.start(manifest.count, 0);
  try {
    if (manifest.count > 0) {
      if (!existsSync(recordsPath)) throw new TesseraError('input.invalid', `the bundle has no records.ndjson next to its manifest`);
      for await (const r of readRecords(recordsPath, 0, Number.MAX_SAFE_INTEGER)) {
        records.push({ terminalId: r.terminalId, hwHash: r.hwHash });
        if (records.length === blockLength(manifest, index)) await send();
        if (index === manifest.blocks.length) break;
      }
    }
  } finally {
    progress?.stop();
  }
  if (sent !== manifest.count) throw new TesseraError('input.invalid', `records.ndjson holds ${sent + records.length} records, the manifest ${manifest.count}`);
  return total;
}
