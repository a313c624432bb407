// The hardware-fingerprint adapter: reads the identifiers of the device the SDK runs on as a
// HardwareDescriptor, the same named fields the factory station recorded. The boot check
// hashes them (fingerprintHash) to unseal the OTP image. `LinuxHardwareFingerprint`
// (tessera/terminal/node) reads a Linux system; the simulated one below serves tests.
import { toHex } from '../protocol/bytes.ts';
import type { HardwareDescriptor } from '../protocol/hardware/hardwareFingerprint.ts';
import type { Primitives } from '../protocol/primitives.ts';
import { transcript } from '../protocol/transcript.ts';

export type { HardwareDescriptor } from '../protocol/hardware/hardwareFingerprint.ts';

/** Reads this device's hardware identifiers. */
export interface HardwareFingerprint {
  /** The descriptor; throws (e.g. `hardware.unreadable`) when no identifier can be read. */
  read(): Promise<HardwareDescriptor>;
}

/**
 * Synthetic identifiers derived from a seed: a CPU serial, an eMMC CID and two MAC
 * addresses, each from SHA-256(transcript("sim-hardware", [seed, field])). The same seed
 * always gives the same descriptor; different seeds give different hardware.
 * @example simulatedDescriptor(p, 'unit-42') // { cpuSerial: '…', emmcCid: '…', macs: ['02:…', '02:…'] }
 */
export function simulatedDescriptor(p: Primitives, seed: string): HardwareDescriptor {
  const bytes = (field: string) => p.digest('sha256', transcript('sim-hardware', [seed, field]));
  // 0x02 first octet: a locally administered unicast MAC, never a real vendor's
  const mac = (field: string) => [0x02, ...bytes(field).subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0')).join(':');
  return Object.freeze({
    cpuSerial: toHex(bytes('cpu').subarray(0, 8)),
    emmcCid: toHex(bytes('emmc').subarray(0, 16)),
    macs: Object.freeze([mac('mac0'), mac('mac1')]),
  });
}

/**
 * A simulated device: a fixed descriptor, or one derived from a seed.
 * @example
 * const a = new SimulatedHardwareFingerprint({ cpuSerial: '00000000a1b2c3d4' });
 * const b = SimulatedHardwareFingerprint.fromSeed(nodePrimitives, 'unit-42');
 */
export class SimulatedHardwareFingerprint implements HardwareFingerprint {
  readonly descriptor: HardwareDescriptor;

  constructor(descriptor: HardwareDescriptor) {
    this.descriptor = Object.freeze({ ...descriptor });
  }

  /** The device whose identifiers derive from `seed` (see {@link simulatedDescriptor}). */
  static fromSeed(p: Primitives, seed: string): SimulatedHardwareFingerprint {
    return new SimulatedHardwareFingerprint(simulatedDescriptor(p, seed));
  }

  async read(): Promise<HardwareDescriptor> {
    return this.descriptor;
  }
}
