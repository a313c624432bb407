// Issuing, listing and revoking batches of activation codes (admin). Codes are generated in
// chunks (yielding to the event loop between them), hashed under the current master key and
// stored in one transaction; the plain codes exist only in the one reply that shows them.
import { generateActivationCode } from '../../../protocol/activation/activationCode.ts';
import { TesseraError } from '../../../protocol/errors.ts';
import type { ServerContext } from '../../serverContext.ts';
import type { CodeBatchSummary, CodeRedemption } from '../../store/types.ts';
import type { KeyedIdentifierHash } from '../keyedIdentifierHash.ts';

/** Most codes one batch may hold. */
export const MAX_BATCH_CODES = 100_000;
const CHUNK = 1000;
const DAY_MS = 86_400_000;

/** Input of {@link CodeBatchService.issue}. */
export interface IssueBatchInput {
  batch: string;
  count: number;
  product: string;
  /** ISO-8601 time; default: now + TESSERA_ACTIVATION_CODE_TTL_DAYS. */
  expiresAt?: string;
}

/** Admin operations on code batches. */
export interface CodeBatchService {
  /** Creates a batch; the reply is the only place the codes ever appear. */
  issue(input: IssueBatchInput, source: string): Promise<{ batch: CodeBatchSummary; codes: string[] }>;
  list(q: { limit: number; after?: string }): Promise<CodeBatchSummary[]>;
  show(id: string): Promise<CodeBatchSummary>;
  /** Revokes every unused code of the batch. */
  revoke(id: string, source: string): Promise<{ batch: CodeBatchSummary; revoked: number }>;
  /** Who spent the batch's codes, and when (`activation.batch_not_found` for an unknown batch). */
  redemptions(id: string, q: { limit: number; after?: string }): Promise<CodeRedemption[]>;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether the YYYY-MM-DD the text starts with names a real day (Date rolls 2027-02-30 over to March). */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function expiryOf(input: IssueBatchInput, now: number, ttlDays: number): Date {
  if (input.expiresAt === undefined) return new Date(now + ttlDays * DAY_MS);
  const at = new Date(input.expiresAt);
  if (!/^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))?$/.test(input.expiresAt) || Number.isNaN(at.getTime()) || !isCalendarDate(input.expiresAt)) {
    throw new TesseraError('input.invalid', 'expiresAt must be an ISO-8601 date or time, e.g. 2027-12-31 or 2027-12-31T23:59:59Z', { field: 'expiresAt' });
  }
  if (at.getTime() <= now) throw new TesseraError('input.invalid', 'expiresAt must be in the future', { field: 'expiresAt' });
  // Expiry is stored and compared as ISO text, which holds four-digit years only: an offset can
  // carry 9999-12-31 past the end of year 9999 in UTC.
  if (at.getUTCFullYear() > 9999) throw new TesseraError('input.invalid', 'expiresAt must be before the year 10000 (UTC)', { field: 'expiresAt' });
  return at;
}

/** Creates the batch service. */
export function createCodeBatchService(ctx: ServerContext, hasher: KeyedIdentifierHash): CodeBatchService {
  const store = ctx.durable.activationCodes;
  async function show(id: string): Promise<CodeBatchSummary> {
    const batch = await store.getBatch(id, new Date(ctx.now()));
    if (!batch) throw new TesseraError('activation.batch_not_found', `no code batch ${id}`);
    return batch;
  }
  return {
    async redemptions(id, q) {
      const page = await store.listRedemptions(id, q);
      if (page.length === 0) await show(id); // no such batch, or none spent (yet, or after `after`)
      return page;
    },
    async issue(input, source) {
      if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_BATCH_CODES) {
        throw new TesseraError('input.invalid', `count must be 1 to ${MAX_BATCH_CODES}`, { field: 'count' });
      }
      const now = ctx.now();
      const expiresAt = expiryOf(input, now, ctx.config.settings.activationCodeTtlDays);
      if ((await store.getBatch(input.batch, new Date(now))) !== undefined) throw new TesseraError('activation.batch_exists', `code batch ${input.batch} already exists`);
      const kid = hasher.currentKid;
      const codes: string[] = [];
      const hashes: string[] = [];
      const seen = new Set<string>();
      while (codes.length < input.count) {
        for (let i = 0; i < CHUNK && codes.length < input.count; i++) {
          const code = generateActivationCode(ctx.primitives);
          if (seen.has(code.data)) continue; // 80 random bits: never in practice, but cheap to rule out
          seen.add(code.data);
          codes.push(code.text);
          hashes.push(hasher.hash(kid, [code.data])!);
        }
        await nextTick();
      }
      const batch = await store.createBatch({ id: input.batch, product: input.product, expiresAt, now: new Date(now), hashes, hashKid: kid });
      await ctx.events.record('activation.batch_issued', null, source, { batch: batch.id, product: batch.product, count: batch.count, expiresAt: batch.expiresAt.toISOString(), hashKid: kid });
      return { batch: { ...batch, counts: { issued: batch.count, used: 0, revoked: 0, expired: 0 } }, codes };
    },
    list: (q) => store.listBatches({ ...q, now: new Date(ctx.now()) }),
    show,
    async revoke(id, source) {
      const revoked = await store.revokeBatch(id, new Date(ctx.now()));
      if (revoked === undefined) throw new TesseraError('activation.batch_not_found', `no code batch ${id}`);
      await ctx.events.record('activation.batch_revoked', null, source, { batch: id, revoked });
      return { batch: await show(id), revoked };
    },
  };
}
