// JSON schemas (TypeBox) of the lot admin API (docs/factory.md §5–6). Requests refuse unknown
// fields; replies go through their schema, so a lot reply can never carry the lot key.
import Type from 'typebox';
import { AEAD_SUITE_NAMES } from '../../protocol/aeadSuites.ts';
import { MAX_BUNDLE_BLOCK_SIZE } from '../../protocol/factory/lotBundle.ts';
import { LOT_ID_PATTERN } from '../../protocol/factory/lotKeys.ts';
import { HANDSHAKE_LIMITS as L } from '../../protocol/handshake/messages.ts';
import { closed, pageLimit, plainText, suiteName, terminalId } from './schemas.ts';

const b64u32 = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
const lotId = Type.String({ pattern: LOT_ID_PATTERN });
const aeadName = Type.Union(AEAD_SUITE_NAMES.map((n) => Type.Literal(n)));

export const CreateLotBody = Type.Object(
  {
    lotId,
    handshakeSuites: Type.Optional(Type.Array(suiteName, { minItems: 1, maxItems: L.maxSuites })),
    aeadSuites: Type.Optional(Type.Array(aeadName, { minItems: 1, maxItems: AEAD_SUITE_NAMES.length })),
    label: Type.Optional(plainText(200)),
  },
  closed,
);
export const LotReply = Type.Object({
  id: Type.String(),
  kid: Type.Integer(),
  handshakeSuites: Type.Array(Type.String()),
  aeadSuites: Type.Array(Type.String()),
  label: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
export const StationFileReply = Type.Object({
  version: Type.Literal(1),
  lotId: Type.String(),
  kid: Type.Integer(),
  lotKey: Type.String(),
  serverId: Type.String(),
  url: Type.String(),
  handshakeSuites: Type.Array(Type.String()),
  aeadSuites: Type.Array(Type.String()),
  updatePublicKey: Type.String(),
});
export const CreateLotReply = Type.Object({ lot: LotReply, station: StationFileReply });
export const LotParams = Type.Object({ id: lotId }, closed);
export const ListLotsQuery = Type.Object(
  { limit: pageLimit, after: Type.Optional(lotId) },
  closed,
);
export const ListLotsReply = Type.Object({ lots: Type.Array(LotReply), next: Type.Union([Type.String(), Type.Null()]) });

const BundleManifestSchema = Type.Object(
  {
    version: Type.Literal(1),
    lotId,
    kid: Type.Integer({ minimum: 1, maximum: 0xffffffff }),
    count: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    blockSize: Type.Integer({ minimum: 1, maximum: MAX_BUNDLE_BLOCK_SIZE }),
    blocks: Type.Array(b64u32, { maxItems: 100_000 }),
    mac: b64u32,
  },
  closed,
);
export const ImportBlockBody = Type.Object(
  {
    manifest: BundleManifestSchema,
    block: Type.Integer({ minimum: 0 }),
    records: Type.Array(Type.Object({ terminalId, hwHash: b64u32 }, closed), { minItems: 1, maxItems: MAX_BUNDLE_BLOCK_SIZE }),
  },
  closed,
);
export const ImportBlockReply = Type.Object({
  lotId: Type.String(),
  block: Type.Integer(),
  inserted: Type.Integer(),
  skipped: Type.Integer(),
  conflicts: Type.Integer(),
  conflictIds: Type.Array(Type.String()),
});

/** Body limit of the import route: a block of the largest size with its manifest. */
export const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;
