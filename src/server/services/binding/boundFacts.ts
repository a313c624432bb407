// The subscriber identifiers a binding holds (MSISDN, ICCID, IMSI, secure-element serial) and
// their keyed hashes: the 'binding-identifier' purpose of keyedIdentifierHash.ts over the
// fields (kind, normalized value), so equal strings of two kinds hash apart.
import type { Primitives } from '../../../protocol/primitives.ts';
import type { MasterKeyRing } from '../../config/masterKeys.ts';
import type { BindingHashes } from '../../store/types.ts';
import { createKeyedIdentifierHash, type KeyedIdentifierHash } from '../keyedIdentifierHash.ts';

/** What an identifier is; part of the hash input so equal strings of two kinds differ. */
export type IdentifierKind = 'msisdn' | 'iccid' | 'imsi' | 'se-serial';

/** Normalized identifiers, all four present. */
export interface BoundFacts {
  msisdn: string;
  iccid: string;
  imsi: string;
  seSerial: string;
}

/** Hashes the identifiers of bindings under the keys of a master-key ring. */
export interface BoundFactsHasher extends KeyedIdentifierHash {
  /** All four hashes under `kid`; undefined when the kid is gone. */
  hashFacts(kid: number, facts: BoundFacts): BindingHashes | undefined;
  /** The number hashed under every kid of the ring (to find its bindings whatever their kid). */
  msisdnHashes(e164: string): string[];
}

/**
 * Creates the hasher for a ring.
 * @example createBoundFactsHasher(nodePrimitives, ring).msisdnHashes('+447400123456')
 */
export function createBoundFactsHasher(p: Primitives, ring: MasterKeyRing): BoundFactsHasher {
  const keyed = createKeyedIdentifierHash(p, ring, 'binding-identifier');
  const hash = (kid: number, kind: IdentifierKind, value: string) => keyed.hash(kid, [kind, value]);
  return {
    ...keyed,
    hashFacts(kid, f) {
      const msisdn = hash(kid, 'msisdn', f.msisdn);
      if (msisdn === undefined) return undefined;
      return { msisdn, iccid: hash(kid, 'iccid', f.iccid)!, imsi: hash(kid, 'imsi', f.imsi)!, seSerial: hash(kid, 'se-serial', f.seSerial)! };
    },
    msisdnHashes: (e164) => keyed.lookupHashes(['msisdn' satisfies IdentifierKind, e164]),
  };
}
