// Synthetic hardware descriptors for `tessera factory provision --simulate N` and the
// benchmark: derived from the lot id and the terminal's position only, so a rerun of the same
// lot makes the same descriptors (and so the same fingerprints and the same terminals).
import { toHex } from '../bytes.ts';
import type { HardwareDescriptor } from '../hardware/hardwareFingerprint.ts';
import type { Primitives } from '../primitives.ts';
import { transcript } from '../transcript.ts';

const mac = (hex: string) => hex.match(/../g)!.join(':');

/**
 * The simulated descriptor of the `index`-th terminal (1-based) of a lot: a CPU serial, an
 * eMMC CID and one locally administered MAC address, all taken from
 * SHA-256(transcript("sim-hardware", [lotId, decimal index])).
 * @example simulatedLotDescriptor(p, 'L-2026-11', 1) // { cpuSerial: '…', emmcCid: '…', macs: ['…'] }
 */
export function simulatedLotDescriptor(p: Primitives, lotId: string, index: number): HardwareDescriptor {
  if (!Number.isSafeInteger(index) || index < 1) throw new RangeError('index must be a positive integer');
  const h = toHex(p.digest('sha256', transcript('sim-hardware', [lotId, String(index)])));
  // 0x02 in the first octet: a locally administered unicast address, never a real vendor's.
  const first = ((Number.parseInt(h.slice(48, 50), 16) & 0xfc) | 0x02).toString(16).padStart(2, '0');
  return { cpuSerial: h.slice(0, 16), emmcCid: h.slice(16, 48), macs: [mac(first + h.slice(50, 60))] };
}
