// Keyed hashes of identifiers the database must not hold in the clear (activation codes,
// subscriber identifiers): HMAC-SHA256 under K[kid] = HKDF(master[kid], info
// "tessera/1/<subkey>") over transcript(<purpose>, fields). The database keeps only these and
// the kid, so a stolen database names nothing, and a master-key rotation keeps old hashes
// reproducible under the kid they were made with (while that kid stays in the ring).
import { fromBase64Url, toBase64Url } from '../../protocol/bytes.ts';
import { deriveSubkey } from '../../protocol/keys.ts';
import type { Primitives } from '../../protocol/primitives.ts';
import { transcript } from '../../protocol/transcript.ts';
import type { MasterKeyRing } from '../config/masterKeys.ts';

/**
 * The purposes, each with its own key: the purpose is the transcript label, `subkey` the HKDF
 * info. Both are part of stored hashes: changing either orphans every stored hash of it.
 */
export const KEYED_HASH_PURPOSES = {
  /** Activation codes: fields [16 data symbols] (docs/protocol.md §12). */
  'activation-code': { subkey: 'activation-codes' },
  /** Subscriber identifiers of bindings: fields [kind, normalized value]. */
  'binding-identifier': { subkey: 'binding-identifiers' },
  /** One-time codes of binding registrations (kept in the ephemeral store): fields [bindingId, code]. */
  'binding-code': { subkey: 'binding-code' },
} as const satisfies Record<string, { subkey: string }>;

/** A purpose of {@link KEYED_HASH_PURPOSES}. */
export type KeyedHashPurpose = keyof typeof KEYED_HASH_PURPOSES;

/** Hashes identifiers of one purpose under the keys of a master-key ring. */
export interface KeyedIdentifierHash {
  /** The kid new hashes are made under (the ring's current kid: TESSERA_MASTER_KEY_CURRENT, else the newest). */
  readonly currentKid: number;
  /** The base64url hash of `fields` under `kid`; undefined when the ring no longer holds that kid. */
  hash(kid: number, fields: readonly string[]): string | undefined;
  /** `fields` hashed under every kid of the ring, oldest first: one matches whichever kid made it. */
  lookupHashes(fields: readonly string[]): string[];
  /** Constant-time equality of two hashes; false for anything that is not base64url. */
  equal(a: string, b: string): boolean;
}

/**
 * Creates the hash of one purpose for a ring; the subkey of each kid is derived once.
 * @example createKeyedIdentifierHash(nodePrimitives, ring, 'activation-code').hash(1, ['7Q2MK9XD0PAV3RTE'])
 */
export function createKeyedIdentifierHash(p: Primitives, ring: MasterKeyRing, purpose: KeyedHashPurpose): KeyedIdentifierHash {
  const { subkey } = KEYED_HASH_PURPOSES[purpose];
  const keys = new Map<number, Uint8Array>();
  const keyFor = (kid: number): Uint8Array | undefined => {
    let key = keys.get(kid);
    if (key === undefined) {
      const master = ring.get(kid);
      if (master === undefined) return undefined;
      key = deriveSubkey(p, 'sha256', master, subkey);
      keys.set(kid, key);
    }
    return key;
  };
  const hash = (kid: number, fields: readonly string[]) => {
    const key = keyFor(kid);
    return key === undefined ? undefined : toBase64Url(p.hmac('sha256', key, transcript(purpose, fields)));
  };
  return {
    currentKid: ring.current.kid,
    hash,
    lookupHashes: (fields) => ring.kids.map((kid) => hash(kid, fields)!),
    equal(a, b) {
      try {
        return p.equal(fromBase64Url(a), fromBase64Url(b));
      } catch {
        return false;
      }
    },
  };
}
