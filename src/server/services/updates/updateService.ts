// Signed updates on the server: publish (hash the file, sign the manifest with the update
// key, store manifest + signature + file atomically), list, pick the newest update a terminal
// may install, and stream a file. The private key is used here and nowhere else.
import { sign } from 'node:crypto';
import { toBase64Url, toHex } from '../../../protocol/bytes.ts';
import { TesseraError } from '../../../protocol/errors.ts';
import { type UpdateManifest, parseUpdateManifest, updateManifestTranscript } from '../../../protocol/updates/updateManifest.ts';
import { compareUpdateVersions } from '../../../protocol/updates/updateVersion.ts';
import type { ServerContext } from '../../serverContext.ts';
import type { UpdateRecord } from '../../store/types.ts';

/** What an admin publishes besides the file. */
export interface PublishInput {
  version: string;
  fileName: string;
  minVersion?: string;
  lots?: string[];
}

/** A stored update as it goes on the wire: the manifest and its signature. */
export interface SignedUpdate {
  manifest: UpdateManifest;
  signature: string;
}

/** Update operations. */
export interface UpdateService {
  /** Signs and stores; `update.exists` for a published version. `unknownLots` names rollout lots the server has no record of. */
  publish(input: PublishInput, file: Uint8Array, source: string): Promise<{ update: SignedUpdate; unknownLots: string[] }>;
  list(q: { limit: number; below?: string }): Promise<SignedUpdate[]>;
  /** The newest update a terminal on `current` in `lot` may install, if any. */
  latest(q: { current: string; lot?: string }): Promise<SignedUpdate | undefined>;
  /** The manifest and a reader of the file's chunks from a byte offset; `update.not_found` for an unknown version. */
  file(version: string): Promise<{ update: SignedUpdate; read: (offset: number) => AsyncIterable<Uint8Array> }>;
}

/** The wire form of a stored record. */
function signedUpdateOf(r: UpdateRecord): SignedUpdate {
  return {
    manifest: { version: r.version, fileName: r.fileName, size: r.size, sha256: r.sha256, minVersion: r.minVersion, lots: r.lots, createdAt: r.createdAt.toISOString() },
    signature: r.signature,
  };
}

const PAGE = 50;

/** Creates the update service. */
export function createUpdateService(ctx: ServerContext): UpdateService {
  const store = ctx.durable.updates;
  return {
    async publish(input, file, source) {
      if (file.length === 0) throw new TesseraError('input.invalid', 'the update file is empty', { field: 'file' });
      const lots = input.lots ?? [];
      // The same rules a terminal applies (a manifest it would call malformed is never signed).
      const manifest = parseUpdateManifest({
        version: input.version,
        fileName: input.fileName,
        size: file.length,
        sha256: toHex(ctx.primitives.digest('sha256', file)),
        minVersion: input.minVersion ?? null,
        lots,
        createdAt: new Date(ctx.now()).toISOString(),
      });
      if (manifest.minVersion !== null && compareUpdateVersions(manifest.minVersion, manifest.version) >= 0) {
        throw new TesseraError('input.invalid', `minVersion ${manifest.minVersion} must be below version ${manifest.version}, or no terminal could install it`, { field: 'minVersion' });
      }
      const signature = toBase64Url(sign(null, updateManifestTranscript(manifest), ctx.config.updateKey.privateKey));
      const record = await store.create({ ...manifest, createdAt: new Date(manifest.createdAt), signature }, file);
      const known = await Promise.all(lots.map((id) => ctx.durable.lots.get(id)));
      const unknownLots = lots.filter((_, i) => known[i] === undefined);
      await ctx.events.record('update.published', null, source, { version: manifest.version, size: manifest.size, sha256: manifest.sha256, minVersion: manifest.minVersion, lots });
      return { update: signedUpdateOf(record), unknownLots };
    },

    async list(q) {
      return (await store.list(q)).map(signedUpdateOf);
    },

    async latest({ current, lot }) {
      // Newest first among versions above `current`; the first one this terminal may take wins.
      let below: string | undefined;
      for (;;) {
        const page = await store.list({ limit: PAGE, above: current, ...(below === undefined ? {} : { below }) });
        const hit = page.find((u) => (u.lots.length === 0 || (lot !== undefined && u.lots.includes(lot))) && (u.minVersion === null || compareUpdateVersions(current, u.minVersion) >= 0));
        if (hit) return signedUpdateOf(hit);
        if (page.length < PAGE) return undefined;
        below = page.at(-1)!.version;
      }
    },

    async file(version) {
      const record = await store.get(version);
      if (!record) throw new TesseraError('update.not_found', `no update ${version}`);
      return { update: signedUpdateOf(record), read: (offset) => store.readFile(version, offset) };
    },
  };
}
