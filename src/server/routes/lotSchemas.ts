// JSON schemas (TypeBox) of the lot admin API (docs/factory.md §5–6). Requests refuse unknown
// fields; replies go through their schema, so a lot reply can never carry the lot key.
import Type from 'typebox';
import { AEAD_SUITE_NAMES } from '../../protocol/aeadSuites.ts';
import { MAX_BUNDLE_BLOCK_SIZE } from '../../protocol/factory/lotBundle.ts';
import { LOT_ID_PATTERN } from '../../protocol/factory/lotKeys.ts';
import { HANDSHAKE_LIMITS as L } from '../../protocol/handshake/messages.ts';

const closed = { additionalProperties: false } as const;
const b64u32 = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
const lotId = Type.String({ pattern: LOT_ID_PATTERN });
const suiteName = Type.String({ minLength: 1, maxLength: L.maxSuiteName, pattern: '^[A-Za-z0-9:._-]+$' });
const aeadName = Type.Union(AEAD_SUITE_NAMES.map((n) => Type.Literal(n)));

export const CreateLotBody = Type.Object(
  {
    lotId,
    handshakeSuites: Type.Optional(Type.Array(suiteName, { minItems: 1, maxItems: L.maxSuites })),
    aeadSuites: Type.Optional(Type.Array(aeadName, { minItems: 1, maxItems: AEAD_SUITE_NAMES.length })),
    label: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]*$' })),
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
  { limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$' })), after: Type.Optional(lotId) },
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
    records: Type.Array(Type.Object({ terminalId: Type.String({ pattern: L.terminalIdPattern }), hwHash: b64u32 }, closed), { minItems: 1, maxItems: MAX_BUNDLE_BLOCK_SIZE }),
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
