// Synthetic hardware descriptors for `tessera factory provision --simulate N` and the
// benchmark: derived from the lot id and the terminal's position only, so a rerun of the same
// lot makes the same descriptors (and so the same fingerprints and the same terminals).
import { toHex } from '../bytes.ts';
import type { HardwareDescriptor } from '../hardware/hardwareFingerprint.ts';
import type { Primitives } from '../primitives.ts';
import { transcript } from '../transcript.ts';

const mac = (hex: string) => hex.match(/../g)!.join(':');

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 1) throw new RangeError('index must be a positive integer');
}

/**
 * The simulated descriptor of the `index`-th terminal (1-based) of a lot: a CPU serial, an
 * eMMC CID and one locally administered MAC address, all taken from
 * SHA-256(transcript("sim-hardware", [lotId, decimal index])).
 * @example simulatedLotDescriptor(p, 'L-2026-11', 1) // { cpuSerial: '…', emmcCid: '…', macs: ['…'] }
 */
export function simulatedLotDescriptor(p: Primitives, lotId: string, index: number): HardwareDescriptor {
  checkIndex(index);
  const h = toHex(p.digest('sha256', transcript('sim-hardware', [lotId, String(index)])));
  // 0x02 in the first octet: a locally administered unicast address, never a real vendor's.
  const first = ((Number.parseInt(h.slice(48, 50), 16) & 0xfc) | 0x02).toString(16).padStart(2, '0');
  return { cpuSerial: h.slice(0, 16), emmcCid: h.slice(16, 48), macs: [mac(first + h.slice(50, 60))] };
}

const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const COLON = 0x3a;

function hexInto(out: Uint8Array, at: number, bytes: Uint8Array, from: number, to: number, separator = 0): void {
  let o = at;
  for (let i = from; i < to; i++) {
    if (separator !== 0 && i > from) out[o++] = separator;
    out[o++] = HEX_DIGITS[bytes[i]! >>> 4]!;
    out[o++] = HEX_DIGITS[bytes[i]! & 15]!;
  }
}

/**
 * The fingerprint hashes of a lot's simulated terminals, for provisioning many of them:
 * `fingerprintHash(p, simulatedLotDescriptor(p, lotId, index))` without building the
 * descriptor's strings and canonicalizing them again. Simulated values are canonical already
 * (lower-case hex, one MAC), so the fingerprint transcript has a fixed layout:
 * transcript("hw-fingerprint", ["cpuSerial", 16 hex, "emmcCid", 32 hex, "macs", xx:…:xx]).
 * Both transcripts are laid out once by `transcript` and only their variable bytes are
 * rewritten per terminal. test/protocol/factory/simulatedLot.test.ts checks the equality.
 * @example const fphOf = simulatedLotFingerprints(p, 'L-2026-11'); fphOf(1) // 32 bytes
 */
export function simulatedLotFingerprints(p: Primitives, lotId: string): (index: number) => Uint8Array {
  const simPrefix = transcript('sim-hardware', [lotId]);
  const sim = new Uint8Array(simPrefix.length + 2 + 16); // a safe integer has at most 16 digits
  sim.set(simPrefix);
  const fp = transcript('hw-fingerprint', ['cpuSerial', '0'.repeat(16), 'emmcCid', '0'.repeat(32), 'macs', '00:00:00:00:00:00']);
  // Offsets from the end: item(x) is a 2-byte length then x.
  const macAt = fp.length - 17;
  const emmcAt = macAt - 2 - 'macs'.length - 2 - 32;
  const cpuAt = emmcAt - 2 - 'emmcCid'.length - 2 - 16;
  const first = new Uint8Array(1);
  return (index) => {
    checkIndex(index);
    const digits = String(index);
    let o = simPrefix.length;
    sim[o++] = 0;
    sim[o++] = digits.length;
    for (let i = 0; i < digits.length; i++) sim[o++] = digits.charCodeAt(i);
    const h = p.digest('sha256', sim.subarray(0, o));
    hexInto(fp, cpuAt, h, 0, 8);
    hexInto(fp, emmcAt, h, 8, 24);
    first[0] = (h[24]! & 0xfc) | 0x02; // locally administered, unicast
    hexInto(fp, macAt, first, 0, 1);
    fp[macAt + 2] = COLON;
    hexInto(fp, macAt + 3, h, 25, 30, COLON);
    return p.digest('sha256', fp);
  };
}
