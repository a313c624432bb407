// The hardware fingerprint (docs/factory.md §3): the identifiers a factory station reads
// from a device (CPU serial, eMMC CID, MAC addresses, machine id, …) reduced to one hash
// that seals the OTP image and feeds the hardware evidence. Canonical, so the station and
// the device compute the same bytes from the same facts.
import { TesseraError } from '../errors.ts';
import type { Primitives } from '../primitives.ts';
import { transcript } from '../transcript.ts';

/** Named hardware identifiers; a list (e.g. MAC addresses) is compared as a set. */
export type HardwareDescriptor = Readonly<Record<string, string | readonly string[]>>;

const NAME = /^[a-zA-Z][a-zA-Z0-9]{0,31}$/;
/** Descriptor keys that are metadata for the factory, not hardware facts. */
export const DESCRIPTOR_METADATA_KEYS: readonly string[] = ['terminalId'];

function canonicalValue(name: string, value: string | readonly string[]): string {
  if (typeof value !== 'string' && !Array.isArray(value)) throw new TesseraError('input.invalid', `hardware field ${name} must be a string or a list of strings`, { field: name });
  const list = (typeof value === 'string' ? [value] : [...value]).map((v) => {
    if (typeof v !== 'string') throw new TesseraError('input.invalid', `hardware field ${name} must be a string or a list of strings`, { field: name });
    return v.trim().toLowerCase();
  });
  if (list.length === 0 || list.some((v) => v.length === 0 || v.length > 256 || v.includes(','))) {
    throw new TesseraError('input.invalid', `hardware field ${name} must hold 1–256 characters without commas`, { field: name });
  }
  return [...new Set(list)].sort().join(',');
}

/**
 * The fingerprint hash fph = SHA-256(transcript("hw-fingerprint", [name_1, value_1, …])) over
 * the fields sorted by name (metadata keys excluded), each value trimmed, lower-cased, and a
 * list de-duplicated, sorted and joined with ",".
 * @example fingerprintHash(p, { cpuSerial: '00000000a1b2c3d4', macs: ['AA:BB:CC:00:11:22'] })
 */
export function fingerprintHash(p: Primitives, descriptor: HardwareDescriptor): Uint8Array {
  const names = Object.keys(descriptor).filter((n) => !DESCRIPTOR_METADATA_KEYS.includes(n)).sort();
  if (names.length === 0) throw new TesseraError('input.invalid', 'a hardware descriptor needs at least one identifier');
  const fields: string[] = [];
  for (const name of names) {
    if (!NAME.test(name)) throw new TesseraError('input.invalid', `hardware field name ${JSON.stringify(name)} is not an identifier`, { field: name });
    fields.push(name, canonicalValue(name, descriptor[name]!));
  }
  return p.digest('sha256', transcript('hw-fingerprint', fields));
}
