// The terminal credential file (docs/protocol.md §3.3): what `tessera terminal add` writes
// and the terminal SDK reads. It holds the terminal key: keep it mode 0600.
import { fromBase64Url } from './bytes.ts';
import { TesseraError } from './errors.ts';
import { LOT_ID_PATTERN } from './factory/lotKeys.ts';
import { HANDSHAKE_LIMITS } from './handshake/messages.ts';

/** Credential file contents, version 1. */
export interface TerminalCredential {
  version: 1;
  terminalId: string;
  kid: number;
  /** K_t, base64url (32 bytes). */
  key: string;
  serverId: string;
  url: string;
  /** Suites to offer, in the terminal's order of preference. */
  suites: string[];
  /** The production lot of a factory-made terminal (absent for terminals added by hand). */
  lotId?: string;
}

function bad(why: string): never {
  throw new TesseraError('credential.invalid', `credential ${why}`);
}

/** Checks a parsed credential's shape and returns it typed. */
export function parseCredential(value: unknown): TerminalCredential {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('is not a JSON object');
  const v = value as Record<string, unknown>;
  if (v['version'] !== 1) bad('version must be 1');
  const { terminalId, kid, key, serverId, url, suites, lotId } = v;
  if (typeof terminalId !== 'string' || !new RegExp(HANDSHAKE_LIMITS.terminalIdPattern).test(terminalId)) bad('terminalId is invalid');
  if (typeof kid !== 'number' || !Number.isInteger(kid) || kid < 1 || kid > HANDSHAKE_LIMITS.maxKid) bad('kid must be an integer from 1 to 4294967295');
  if (lotId !== undefined && (typeof lotId !== 'string' || !new RegExp(LOT_ID_PATTERN).test(lotId))) bad('lotId is invalid');
  let keyBytes: Uint8Array | undefined;
  try {
    keyBytes = typeof key === 'string' ? fromBase64Url(key) : undefined;
  } catch {
    keyBytes = undefined;
  }
  if (keyBytes?.length !== 32) bad('key must be 32 bytes of base64url');
  if (typeof serverId !== 'string' || serverId.length === 0) bad('serverId is missing');
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) bad('url must be an http(s) URL');
  if (!Array.isArray(suites) || suites.length === 0 || !suites.every((s) => typeof s === 'string')) bad('suites must be a non-empty list');
  const credential: TerminalCredential = { version: 1, terminalId, kid, key: key as string, serverId, url, suites: suites as string[] };
  if (lotId !== undefined) credential.lotId = lotId as string;
  return credential;
}
