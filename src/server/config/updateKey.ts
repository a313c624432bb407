// The Ed25519 key that signs update manifests. Its public half goes into every lot and OTP
// image, so terminals (restricted ones too) can check updates offline. It comes from
// TESSERA_UPDATE_KEY (a 32-byte seed, base64url) or a 0600 file in the data dir made on first run.
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { loadOrCreateSecretFile } from './secretFile.ts';

/** The update-signing key pair. */
export interface UpdateKey {
  readonly privateKey: KeyObject;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** DER prefix of an Ed25519 PKCS#8 private key (RFC 8410 §7) before the 32-byte seed. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The key pair of a 32-byte seed. */
function updateKeyFromSeed(seed: Uint8Array, source = 'TESSERA_UPDATE_KEY'): UpdateKey {
  if (seed.length !== 32) throw new TesseraError('config.invalid', `${source} must be a 32-byte Ed25519 seed in base64url`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Object.freeze({ privateKey, publicKey: new Uint8Array(spki.subarray(spki.length - 32)) });
}

/** Parses TESSERA_UPDATE_KEY. */
export function parseUpdateKey(text: string): UpdateKey {
  let seed: Uint8Array;
  try {
    seed = fromBase64Url(text.trim());
  } catch {
    throw new TesseraError('config.invalid', 'TESSERA_UPDATE_KEY must be a 32-byte Ed25519 seed in base64url');
  }
  return updateKeyFromSeed(seed);
}

/** Reads the key file, creating it (mode 0600) with a fresh seed when absent. */
export function loadOrCreateUpdateKeyFile(path: string): { key: UpdateKey; created: boolean } {
  const { text, created } = loadOrCreateSecretFile(path, 'update key', () => `${toBase64Url(randomBytes(32))}\n`);
  let seed: Uint8Array;
  try {
    seed = fromBase64Url(text.trim());
  } catch {
    throw new TesseraError('config.invalid', `update key file ${path} must hold a base64url Ed25519 seed`);
  }
  return { key: updateKeyFromSeed(seed, path), created };
}
