// JSON schemas (TypeBox) of the update routes: the public terminal routes and the admin ones.
import Type from 'typebox';
import { LOT_ID_PATTERN } from '../../protocol/factory/lotKeys.ts';
import { UPDATE_MANIFEST_LIMITS as M } from '../../protocol/updates/updateManifest.ts';
import { UPDATE_VERSION_PATTERN } from '../../protocol/updates/updateVersion.ts';
import { closed, pageLimit } from './schemas.ts';

const version = Type.String({ pattern: UPDATE_VERSION_PATTERN, maxLength: 29 });

export const UpdateManifestSchema = Type.Object({
  version: Type.String(),
  fileName: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  minVersion: Type.Union([Type.String(), Type.Null()]),
  lots: Type.Array(Type.String()),
  createdAt: Type.String(),
});
export const SignedUpdateSchema = Type.Object({ manifest: UpdateManifestSchema, signature: Type.String() });

export const LatestUpdateQuery = Type.Object({ current: version, lot: Type.Optional(Type.String({ pattern: LOT_ID_PATTERN })) }, closed);
export const LatestUpdateReply = Type.Object({ update: Type.Union([SignedUpdateSchema, Type.Null()]) });
export const UpdateVersionParams = Type.Object({ version }, closed);

export const PublishUpdateQuery = Type.Object(
  {
    version,
    fileName: Type.String({ pattern: M.fileNamePattern }),
    minVersion: Type.Optional(version),
    /** Comma-separated lot ids; absent for every lot. */
    lots: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:,-]+$', maxLength: M.maxLots * 65 })),
  },
  closed,
);
export const PublishUpdateReply = Type.Object({
  manifest: UpdateManifestSchema,
  signature: Type.String(),
  /** Rollout lots the server has no record of (published anyway; check for typos). */
  unknownLots: Type.Array(Type.String()),
  /** The update public key (base64url), as the OTP images carry it. */
  publicKey: Type.String(),
});
export const ListUpdatesQuery = Type.Object({ limit: pageLimit, before: Type.Optional(version) }, closed);
export const ListUpdatesReply = Type.Object({ updates: Type.Array(SignedUpdateSchema), next: Type.Union([Type.String(), Type.Null()]), publicKey: Type.String() });
