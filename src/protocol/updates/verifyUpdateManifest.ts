// The terminal's decision on an update manifest (docs/protocol.md, "Signed updates"): the
// signature first, with the key from the OTP image, then the version and rollout policy.
// Decisions are returned as typed data; only a bad argument of the caller throws.
import { fromBase64Url } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import type { Primitives } from '../primitives.ts';
import { parseSignedUpdateManifest, type UpdateManifest, updateManifestTranscript } from './updateManifest.ts';
import { compareUpdateVersions, parseUpdateVersion } from './updateVersion.ts';

/** Why a manifest is refused. */
export type UpdateRefusal =
  /** Not a well-formed signed manifest. */
  | 'malformed'
  /** The signature does not verify under the update key (altered, or signed by another key). */
  | 'bad_signature'
  /** Older than what the terminal runs. */
  | 'downgrade'
  /** The version the terminal already runs. */
  | 'same_version'
  /** The terminal runs a version below the manifest's minimum. */
  | 'below_min_version'
  /** The rollout names lots, and not this terminal's. */
  | 'not_for_lot';

/** Outcome of {@link verifyUpdateManifest}. */
export type UpdateManifestVerdict = { ok: true; manifest: UpdateManifest } | { ok: false; reason: UpdateRefusal; detail: string };

/** What the terminal knows about itself. */
export interface UpdateContext {
  /** The version it runs now (MAJOR.MINOR.PATCH). */
  currentVersion: string;
  /** Its lot (from the OTP image); undefined refuses every manifest restricted to lots. */
  lotId: string | undefined;
}

const refuse = (reason: UpdateRefusal, detail: string): UpdateManifestVerdict => ({ ok: false, reason, detail });

/**
 * Verifies a signed manifest (`{manifest, signature}` as received) for this terminal.
 * Throws `input.invalid` only for a bad `publicKey` or `currentVersion`.
 * @example
 * const v = verifyUpdateManifest(nodePrimitives, image.updatePublicKey, body.update, { currentVersion: '1.2.0', lotId: image.lotId });
 * if (!v.ok) console.log(v.reason);
 */
export function verifyUpdateManifest(p: Primitives, publicKey: Uint8Array, signed: unknown, context: UpdateContext): UpdateManifestVerdict {
  if (publicKey.length !== 32) throw new TesseraError('input.invalid', 'the update public key must be 32 bytes', { field: 'publicKey' });
  parseUpdateVersion(context.currentVersion, 'currentVersion');
  let parsed: ReturnType<typeof parseSignedUpdateManifest>;
  try {
    parsed = parseSignedUpdateManifest(signed);
  } catch (err) {
    return refuse('malformed', err instanceof Error ? err.message : 'not a signed manifest');
  }
  const { manifest, signature } = parsed;
  if (!signatureVerifies(p, publicKey, manifest, () => signature)) {
    return refuse('bad_signature', 'the manifest signature does not verify under the update key');
  }
  const order = compareUpdateVersions(manifest.version, context.currentVersion);
  if (order < 0) return refuse('downgrade', `${manifest.version} is older than the running ${context.currentVersion}`);
  if (order === 0) return refuse('same_version', `${manifest.version} is the running version`);
  if (manifest.minVersion !== null && compareUpdateVersions(context.currentVersion, manifest.minVersion) < 0) {
    return refuse('below_min_version', `${manifest.version} needs at least ${manifest.minVersion}; this terminal runs ${context.currentVersion}`);
  }
  if (manifest.lots.length > 0 && (context.lotId === undefined || !manifest.lots.includes(context.lotId))) {
    return refuse('not_for_lot', `${manifest.version} is not rolled out to lot ${context.lotId ?? '(unknown)'}`);
  }
  return { ok: true, manifest };
}

/** Whether `signature` (base64url) is the update key's signature of `manifest`; no policy. */
export function isUpdateManifestSigned(p: Primitives, publicKey: Uint8Array, manifest: UpdateManifest, signature: string): boolean {
  return signatureVerifies(p, publicKey, manifest, () => fromBase64Url(signature, 'signature'));
}

/** The Ed25519 check; a signature or key that cannot even be decoded signs nothing. */
function signatureVerifies(p: Primitives, publicKey: Uint8Array, manifest: UpdateManifest, signature: () => Uint8Array): boolean {
  try {
    return p.ed25519Verify(publicKey, updateManifestTranscript(manifest), signature());
  } catch {
    return false;
  }
}
