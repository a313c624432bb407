// Production lots (docs/factory.md §5–6): create a lot and hand out its station file once,
// list and show lots (never their key), and import the factory's bundle block by block after
// checking it against the lot key.
import { AEAD_SUITE_NAMES, getAeadSuite } from '../../../protocol/aeadSuites.ts';
import { isTesseraError, TesseraError } from '../../../protocol/errors.ts';
import { type BundleManifest, type BundleRecord, verifyBlock, verifyManifest } from '../../../protocol/factory/lotBundle.ts';
import { type StationFile, stationFileFor } from '../../../protocol/factory/stationFile.ts';
import { getHandshakeSuite } from '../../../protocol/handshake/suites.ts';
import type { AeadSuiteName } from '../../../protocol/aeadSuites.ts';
import type { ServerContext } from '../../serverContext.ts';
import type { LotRecord } from '../../store/types.ts';
import { checkSuiteList } from '../suiteList.ts';
import type { TerminalKeys } from '../terminalKeys.ts';
import { insertLotRecords, type LotImportCounts } from './lotRecords.ts';

/** Input of {@link LotService.create}. */
export interface NewLotInput {
  lotId: string;
  handshakeSuites?: string[];
  aeadSuites?: string[];
  label?: string;
}

/** One block of an import bundle, as the import route receives it. */
export interface LotImportBlock {
  manifest: BundleManifest;
  block: number;
  records: BundleRecord[];
}

/** Lot administration. */
export interface LotService {
  create(input: NewLotInput, source: string, publicUrl: string): Promise<{ lot: LotRecord; station: StationFile }>;
  list(q: { limit: number; after?: string }): Promise<LotRecord[]>;
  show(id: string): Promise<LotRecord>;
  importBlock(lotId: string, input: LotImportBlock, source: string): Promise<LotImportCounts>;
}

/** Creates the lot service over the server's key deriver. */
export function createLotService(ctx: ServerContext, keys: TerminalKeys): LotService {
  async function show(id: string): Promise<LotRecord> {
    const lot = await ctx.durable.lots.get(id);
    if (!lot) throw new TesseraError('lot.not_found', `no lot ${id}`);
    return lot;
  }
  function lotKeyOf(lot: LotRecord): Uint8Array {
    const key = keys.lotKey(lot.id, lot.kid);
    // A key retired from the ring while its lot still had terminals to import: the operator's
    // to fix (put the kid back), not a server fault.
    if (!key) throw new TesseraError('lot.key_retired', `lot ${lot.id} was made under master key kid ${lot.kid}, which this server no longer holds; put kid ${lot.kid} back into the key ring to import it`);
    return key;
  }
  return {
    async create(input, source, publicUrl) {
      const settings = ctx.config.settings;
      const handshakeSuites = input.handshakeSuites ?? [...settings.suites];
      const aeadSuites = input.aeadSuites ?? [...AEAD_SUITE_NAMES];
      checkSuiteList(handshakeSuites, 'handshakeSuites', (s) => getHandshakeSuite(s) !== undefined);
      checkSuiteList(aeadSuites, 'aeadSuites', (s) => getAeadSuite(s) !== undefined);
      if (!handshakeSuites.some((s) => settings.suites.includes(s))) {
        throw new TesseraError('input.invalid', `none of these handshake suites is enabled on this server (TESSERA_SUITES: ${settings.suites.join(', ')})`, { field: 'handshakeSuites' });
      }
      const { kid } = ctx.config.masterKeys.current;
      const lot = await ctx.durable.lots.create({ id: input.lotId, kid, handshakeSuites, aeadSuites, label: input.label ?? null, now: new Date(ctx.now()) });
      await ctx.events.record('lot.created', null, source, { lotId: lot.id, kid });
      const fields = { lotId: lot.id, kid, serverId: ctx.config.serverId, url: publicUrl, handshakeSuites, aeadSuites: aeadSuites as AeadSuiteName[], updatePublicKey: ctx.config.updateKey.publicKey };
      return { lot, station: stationFileFor({ fields, lotKey: lotKeyOf(lot) }) };
    },
    list: (q) => ctx.durable.lots.list(q),
    show,
    async importBlock(lotId, input, source) {
      const lot = await show(lotId);
      const m = input.manifest;
      try {
        if (m.lotId !== lot.id || m.kid !== lot.kid) {
          throw new TesseraError('lot.bundle_invalid', `the bundle is for lot ${m.lotId} (kid ${m.kid}), not lot ${lot.id} (kid ${lot.kid})`);
        }
        verifyManifest(ctx.primitives, lotKeyOf(lot), m);
        verifyBlock(ctx.primitives, m, input.block, input.records);
      } catch (err) {
        if (isTesseraError(err, 'lot.bundle_invalid')) {
          await ctx.events.record('lot.import_refused', null, source, { lotId, block: input.block, reason: err.message });
        }
        throw err;
      }
      const counts = await insertLotRecords(ctx.durable, lot, input.records, new Date(ctx.now()));
      await ctx.events.record('lot.imported', null, source, { lotId, block: input.block, inserted: counts.inserted, skipped: counts.skipped, conflicts: counts.conflicts });
      return counts;
    },
  };
}
