// Keyed hashes of subscriber identifiers: HMAC-SHA256 under K_id[kid] = HKDF(master[kid],
// info "tessera/1/binding-identifiers"), over the transcript (kind, normalized value). The
// database keeps only these and the kid, so a stolen database names no subscriber, and a
// master-key rotation keeps old bindings comparable under the kid they were made with.
import { fromBase64Url, toBase64Url } from '../../../protocol/bytes.ts';
import { deriveSubkey } from '../../../protocol/keys.ts';
import type { Primitives } from '../../../protocol/primitives.ts';
import { transcript } from '../../../protocol/transcript.ts';
import type { MasterKeyRing } from '../../config/masterKeys.ts';
import type { BindingHashes } from '../../store/types.ts';

/** What an identifier is; part of the hash input so equal strings of two kinds differ. */
export type IdentifierKind = 'msisdn' | 'iccid' | 'imsi' | 'se-serial';

/** Normalized identifiers, all four present. */
export interface BoundFacts {
  msisdn: string;
  iccid: string;
  imsi: string;
  seSerial: string;
}

/** Hashes identifiers under the keys of a master-key ring. */
export interface IdentifierHasher {
  /** The kid new bindings are hashed under (the ring's newest). */
  readonly currentKid: number;
  /** The hash of one identifier under `kid`; undefined when the ring no longer holds that kid. */
  hash(kid: number, kind: IdentifierKind, value: string): string | undefined;
  /** All four hashes under `kid`; undefined when the kid is gone. */
  hashFacts(kid: number, facts: BoundFacts): BindingHashes | undefined;
  /** The number hashed under every kid of the ring (to find its bindings whatever their kid). */
  msisdnHashes(e164: string): string[];
  /** Constant-time equality of two hashes. */
  equal(a: string, b: string): boolean;
}

/**
 * Creates the hasher for a ring.
 * @example createIdentifierHasher(nodePrimitives, ring).hash(1, 'msisdn', '+447400123456')
 */
export function createIdentifierHasher(p: Primitives, ring: MasterKeyRing): IdentifierHasher {
  const keys = new Map<number, Uint8Array>();
  const keyFor = (kid: number): Uint8Array | undefined => {
    let key = keys.get(kid);
    if (key === undefined) {
      const master = ring.get(kid);
      if (master === undefined) return undefined;
      key = deriveSubkey(p, 'sha256', master, 'binding-identifiers');
      keys.set(kid, key);
    }
    return key;
  };
  const hash = (kid: number, kind: IdentifierKind, value: string) => {
    const key = keyFor(kid);
    return key === undefined ? undefined : toBase64Url(p.hmac('sha256', key, transcript('binding-identifier', [kind, value])));
  };
  return {
    currentKid: ring.current.kid,
    hash,
    hashFacts(kid, f) {
      const msisdn = hash(kid, 'msisdn', f.msisdn);
      if (msisdn === undefined) return undefined;
      return { msisdn, iccid: hash(kid, 'iccid', f.iccid)!, imsi: hash(kid, 'imsi', f.imsi)!, seSerial: hash(kid, 'se-serial', f.seSerial)! };
    },
    msisdnHashes: (e164) => ring.kids.map((kid) => hash(kid, 'msisdn', e164)!),
    equal(a, b) {
      try {
        return p.equal(fromBase64Url(a), fromBase64Url(b));
      } catch {
        return false;
      }
    },
  };
}
