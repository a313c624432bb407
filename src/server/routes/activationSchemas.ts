// JSON schemas (TypeBox) of activation and of the code-batch admin API. Requests refuse
// unknown fields; replies are serialized through their schema.
import Type from 'typebox';
import { ACTIVATION_CODE_FORMAT } from '../../protocol/activation/activationCode.ts';
import { MAX_BATCH_CODES } from '../services/activation/codeBatchService.ts';
import { closed, pageLimit, terminalId } from './schemas.ts';

/** Batch and product names: safe in a URL path and in a CSV cell. */
const name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}$' });

export const ActivateBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: ACTIVATION_CODE_FORMAT.maxInputLength }) }, closed);
export const ActivateReply = Type.Object({ terminalId: Type.String(), status: Type.Literal('active'), product: Type.String(), activatedAt: Type.String() });

export const IssueBatchBody = Type.Object(
  {
    batch: name,
    count: Type.Integer({ minimum: 1, maximum: MAX_BATCH_CODES }),
    product: name,
    expiresAt: Type.Optional(Type.String({ minLength: 10, maxLength: 40 })),
  },
  closed,
);
const Counts = Type.Object({ issued: Type.Integer(), used: Type.Integer(), revoked: Type.Integer(), expired: Type.Integer() });
export const BatchReply = Type.Object({
  id: Type.String(),
  product: Type.String(),
  count: Type.Integer(),
  expiresAt: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  counts: Counts,
});
export const IssueBatchReply = Type.Object({ batch: BatchReply, codes: Type.Array(Type.String()) });
export const BatchParams = Type.Object({ batch: name }, closed);
export const ListBatchesQuery = Type.Object(
  { limit: pageLimit, after: Type.Optional(name) },
  closed,
);
export const ListBatchesReply = Type.Object({ batches: Type.Array(BatchReply), next: Type.Union([Type.String(), Type.Null()]) });
export const RevokeBatchReply = Type.Object({ batch: BatchReply, revoked: Type.Integer() });
export const ListRedemptionsQuery = Type.Object({ limit: pageLimit, after: Type.Optional(terminalId) }, closed);
export const ListRedemptionsReply = Type.Object({
  redemptions: Type.Array(Type.Object({ terminalId: Type.String(), usedAt: Type.String() })),
  next: Type.Union([Type.String(), Type.Null()]),
});
