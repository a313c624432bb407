// HardwareFingerprint for Linux: the systemd machine id, the DMI product UUID where it is
// readable (often root-only) and the MAC addresses of physical network interfaces, read from
// /etc and sysfs under an injectable root. The factory station records the same fields with
// `tessera terminal fingerprint --linux`, so both sides hash the same descriptor.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '../../protocol/errors.ts';
import type { HardwareDescriptor, HardwareFingerprint } from '../hardwareFingerprint.ts';

/** The identifiers this reader knows. */
export type LinuxHardwareField = 'machineId' | 'productUuid' | 'macs';

/** Options of LinuxHardwareFingerprint. */
export interface LinuxHardwareOptions {
  /** File-system root the paths are read under (default "/"; a fake tree in tests, a host mount in a container). */
  root?: string;
  /**
   * Exactly these fields, each of which must be readable (else `hardware.unreadable`).
   * Default: every field that can be read. Pin the fields when the SDK may run with fewer
   * privileges than the factory station (the DMI UUID is usually root-only), so a missing
   * field is reported instead of silently changing the fingerprint.
   */
  fields?: readonly LinuxHardwareField[];
}

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5,19}$/;
const BOGUS_UUIDS = new Set(['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '03000200-0400-0500-0006-000700080009']);

async function readTrimmed(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined; // absent, root-only (EACCES) or not a file: not an identifier here
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path); // follows the sysfs symlink
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a Linux system's hardware identifiers:
 * - `machineId`: /etc/machine-id (else /var/lib/dbus/machine-id), 32 hex digits;
 * - `productUuid`: /sys/class/dmi/id/product_uuid when readable and not a placeholder;
 * - `macs`: `address` of each /sys/class/net/<if> that has a `device` link (a physical NIC;
 *   lo, bridges, veth, tun, bonds and VLANs have none) and a permanent address
 *   (`addr_assign_type` 0: random or user-set addresses change and are skipped).
 * @example const descriptor = await new LinuxHardwareFingerprint().read();
 */
export class LinuxHardwareFingerprint implements HardwareFingerprint {
  readonly #root: string;
  readonly #fields: readonly LinuxHardwareField[] | undefined;

  constructor(options: LinuxHardwareOptions = {}) {
    this.#root = options.root ?? '/';
    this.#fields = options.fields;
  }

  #path(...parts: string[]): string {
    return join(this.#root, ...parts);
  }

  async #machineId(): Promise<string | undefined> {
    for (const file of [['etc', 'machine-id'], ['var', 'lib', 'dbus', 'machine-id']]) {
      const id = (await readTrimmed(this.#path(...file)))?.toLowerCase();
      if (id && /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id)) return id;
    }
    return undefined;
  }

  async #productUuid(): Promise<string | undefined> {
    const uuid = (await readTrimmed(this.#path('sys', 'class', 'dmi', 'id', 'product_uuid')))?.toLowerCase();
    return uuid && /^[0-9a-f-]{32,36}$/.test(uuid) && !BOGUS_UUIDS.has(uuid) ? uuid : undefined;
  }

  async #macs(): Promise<string[]> {
    const net = this.#path('sys', 'class', 'net');
    let names: string[];
    try {
      names = await readdir(net);
    } catch {
      return [];
    }
    const macs: string[] = [];
    for (const name of names.sort()) {
      if (!(await exists(join(net, name, 'device')))) continue;
      const assign = await readTrimmed(join(net, name, 'addr_assign_type'));
      if (assign !== undefined && assign !== '0') continue;
      const mac = (await readTrimmed(join(net, name, 'address')))?.toLowerCase();
      if (mac && MAC.test(mac) && !/^[0:]+$/.test(mac)) macs.push(mac);
    }
    return [...new Set(macs)].sort();
  }

  async read(): Promise<HardwareDescriptor> {
    const [machineId, productUuid, macs] = await Promise.all([this.#machineId(), this.#productUuid(), this.#macs()]);
    const found: Partial<Record<LinuxHardwareField, string | string[]>> = {};
    if (machineId) found.machineId = machineId;
    if (productUuid) found.productUuid = productUuid;
    if (macs.length > 0) found.macs = macs;
    if (this.#fields) {
      const missing = this.#fields.filter((f) => found[f] === undefined);
      if (missing.length > 0) throw new TesseraError('hardware.unreadable', `cannot read ${missing.join(', ')} under ${this.#root} (the DMI UUID needs root)`);
      return Object.fromEntries(this.#fields.map((f) => [f, found[f]!]));
    }
    if (Object.keys(found).length === 0) throw new TesseraError('hardware.unreadable', `no machine id, DMI product UUID or physical NIC address is readable under ${this.#root}`);
    return found;
  }
}
