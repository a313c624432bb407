// The check of a downloaded update file against its verified manifest: exact size, then
// SHA-256 in constant time. Run only on a manifest verifyUpdateManifest accepted.
import { fromHex } from '../bytes.ts';
import type { Primitives } from '../primitives.ts';
import type { UpdateManifest } from './updateManifest.ts';

/** Outcome of {@link checkUpdateFile}. */
export type UpdateFileVerdict = { ok: true } | { ok: false; reason: 'size_mismatch' | 'hash_mismatch'; detail: string };

/**
 * Accepts `bytes` only when they are exactly the file the manifest describes.
 * @example if (!checkUpdateFile(nodePrimitives, verdict.manifest, bytes).ok) discard(bytes);
 */
export function checkUpdateFile(p: Primitives, manifest: UpdateManifest, bytes: Uint8Array): UpdateFileVerdict {
  if (bytes.length !== manifest.size) {
    return { ok: false, reason: 'size_mismatch', detail: `the file has ${bytes.length} bytes; the manifest says ${manifest.size}` };
  }
  if (!p.equal(p.digest('sha256', bytes), fromHex(manifest.sha256, 'sha256'))) {
    return { ok: false, reason: 'hash_mismatch', detail: 'the file\'s SHA-256 is not the manifest\'s' };
  }
  return { ok: true };
}
