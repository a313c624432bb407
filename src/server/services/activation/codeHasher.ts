// Keyed hashes of activation codes: HMAC-SHA256 under K_code[kid] = HKDF(master[kid], info
// "tessera/1/activation-codes") over transcript("activation-code", [16 data symbols]). The
// database keeps only these and the kid, so a stolen database yields no code, and a code
// issued under an older master key still matches after a rotation (its kid stays in the ring).
import { toBase64Url } from '../../../protocol/bytes.ts';
import { deriveSubkey } from '../../../protocol/keys.ts';
import type { Primitives } from '../../../protocol/primitives.ts';
import { transcript } from '../../../protocol/transcript.ts';
import type { MasterKeyRing } from '../../config/masterKeys.ts';

/** Hashes activation codes under the keys of a master-key ring. */
export interface ActivationCodeHasher {
  /** The kid new codes are hashed under (the ring's newest). */
  readonly currentKid: number;
  /** The hash of a code's canonical data symbols under `kid`; undefined when the kid is gone. */
  hash(kid: number, data: string): string | undefined;
  /** The code hashed under every kid of the ring: one of them matches wherever it was issued. */
  lookupHashes(data: string): string[];
}

/**
 * Creates the hasher for a ring.
 * @example createActivationCodeHasher(nodePrimitives, ring).hash(1, '7Q2MK9XD0PAV3RTE')
 */
export function createActivationCodeHasher(p: Primitives, ring: MasterKeyRing): ActivationCodeHasher {
  const keys = new Map<number, Uint8Array>();
  const keyFor = (kid: number): Uint8Array | undefined => {
    let key = keys.get(kid);
    if (key === undefined) {
      const master = ring.get(kid);
      if (master === undefined) return undefined;
      key = deriveSubkey(p, 'sha256', master, 'activation-codes');
      keys.set(kid, key);
    }
    return key;
  };
  const hash = (kid: number, data: string) => {
    const key = keyFor(kid);
    return key === undefined ? undefined : toBase64Url(p.hmac('sha256', key, transcript('activation-code', [data])));
  };
  return {
    currentKid: ring.current.kid,
    hash,
    lookupHashes: (data) => ring.kids.map((kid) => hash(kid, data)!),
  };
}
