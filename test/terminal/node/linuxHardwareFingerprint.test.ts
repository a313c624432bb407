// The Linux hardware fingerprint against a fake /etc and /sys tree: machine id, DMI product
// UUID where readable, and the MACs of physical NICs only (virtual, random-address and
// all-zero interfaces skipped); a boot with it is full until the hardware changes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { fingerprintHash } from '../../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../../src/protocol/nodePrimitives.ts';
import { bootTerminal } from '../../../src/terminal/bootTerminal.ts';
import { LinuxHardwareFingerprint } from '../../../src/terminal/node/linuxHardwareFingerprint.ts';
import { MemoryOtpStore } from '../../../src/terminal/otpStore.ts';
import { makeImage } from '../otpFixtures.ts';

const base = mkdtempSync(join(tmpdir(), 'tessera-sysfs-'));
after(() => rmSync(base, { recursive: true, force: true }));

const MACHINE_ID = '4c4c4544004d3510804ab4c04f4d3732';
const UUID = '4C4C4544-004D-3510-804A-B4C04F4D3732';

function put(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), `${text}\n`);
}

/** A NIC under sys/class/net: `device` as a symlink into sys/devices (as sysfs has it) or absent. */
function nic(root: string, name: string, address: string, options: { physical: boolean; assign?: string }): void {
  put(root, `sys/class/net/${name}/address`, address);
  if (options.assign !== undefined) put(root, `sys/class/net/${name}/addr_assign_type`, options.assign);
  if (options.physical) {
    mkdirSync(join(root, 'sys/devices/pci0000:00', name), { recursive: true });
    symlinkSync(join('../../../devices/pci0000:00', name), join(root, 'sys/class/net', name, 'device'));
  }
}

/** A typical small Linux box: one wired and one wireless NIC plus the usual virtual ones. */
function fakeSystem(name: string): string {
  const root = join(base, name);
  put(root, 'etc/machine-id', MACHINE_ID);
  put(root, 'sys/class/dmi/id/product_uuid', UUID);
  nic(root, 'enp3s0', 'D4:81:D7:AA:00:01', { physical: true, assign: '0' });
  nic(root, 'wlp2s0', 'd4:81:d7:aa:00:02', { physical: true }); // no addr_assign_type: kept
  nic(root, 'lo', '00:00:00:00:00:00', { physical: false, assign: '0' });
  nic(root, 'docker0', '02:42:ac:11:00:01', { physical: false, assign: '3' });
  nic(root, 'veth12ab', '9a:1c:00:00:00:07', { physical: false, assign: '1' });
  nic(root, 'br0', 'd4:81:d7:aa:00:01', { physical: false, assign: '2' });
  nic(root, 'usb0', '36:5e:11:22:33:44', { physical: true, assign: '1' }); // random each boot
  nic(root, 'can0', '', { physical: true, assign: '0' }); // no hardware address
  return root;
}

test('reads machine id, DMI UUID and the physical NICs\' permanent MACs', async () => {
  const root = fakeSystem('full');
  assert.deepEqual(await new LinuxHardwareFingerprint({ root }).read(), {
    machineId: MACHINE_ID,
    productUuid: UUID.toLowerCase(),
    macs: ['d4:81:d7:aa:00:01', 'd4:81:d7:aa:00:02'],
  });
});

test('a root-only or placeholder DMI UUID is left out; the dbus machine id is the fallback', async () => {
  const root = join(base, 'fallbacks');
  put(root, 'var/lib/dbus/machine-id', MACHINE_ID);
  mkdirSync(join(root, 'sys/class/dmi/id/product_uuid'), { recursive: true }); // unreadable as a file
  nic(root, 'eth0', '00:11:22:33:44:55', { physical: true, assign: '0' });
  assert.deepEqual(await new LinuxHardwareFingerprint({ root }).read(), { machineId: MACHINE_ID, macs: ['00:11:22:33:44:55'] });
  rmSync(join(root, 'sys/class/dmi/id/product_uuid'), { recursive: true });
  put(root, 'sys/class/dmi/id/product_uuid', '03000200-0400-0500-0006-000700080009');
  put(root, 'etc/machine-id', 'uninitialized');
  assert.deepEqual(await new LinuxHardwareFingerprint({ root }).read(), { machineId: MACHINE_ID, macs: ['00:11:22:33:44:55'] });
});

test('pinned fields must all be readable; nothing readable at all is hardware.unreadable', async () => {
  const root = fakeSystem('pinned');
  assert.deepEqual(await new LinuxHardwareFingerprint({ root, fields: ['machineId', 'macs'] }).read(), { machineId: MACHINE_ID, macs: ['d4:81:d7:aa:00:01', 'd4:81:d7:aa:00:02'] });
  rmSync(join(root, 'sys/class/dmi'), { recursive: true });
  await assert.rejects(new LinuxHardwareFingerprint({ root, fields: ['machineId', 'productUuid'] }).read(), (e) => isTesseraError(e, 'hardware.unreadable') && /productUuid/.test(e.message));
  const empty = join(base, 'empty');
  mkdirSync(empty);
  await assert.rejects(new LinuxHardwareFingerprint({ root: empty }).read(), (e) => isTesseraError(e, 'hardware.unreadable'));
});

test('an image sealed for the descriptor boots full; a replaced NIC or a new machine id boots restricted', async () => {
  const root = fakeSystem('boot');
  const hardware = new LinuxHardwareFingerprint({ root });
  const { bytes } = makeImage({ hardware: await hardware.read() });
  const boot = () => bootTerminal({ otpStore: new MemoryOtpStore(bytes), hardware, primitives: p });
  assert.equal((await boot()).mode, 'full');
  // a virtual interface coming and going changes nothing
  nic(root, 'tun0', '', { physical: false });
  assert.equal((await boot()).mode, 'full');
  put(root, 'sys/class/net/wlp2s0/address', 'd4:81:d7:aa:00:99');
  const moved = await boot();
  assert.equal(moved.mode === 'restricted' && moved.reason, 'hardware_mismatch');
  put(root, 'sys/class/net/wlp2s0/address', 'd4:81:d7:aa:00:02');
  put(root, 'etc/machine-id', 'ffffffffffffffffffffffffffffffff');
  assert.equal((await boot()).mode, 'restricted');
});

test('on this machine the reader returns a usable descriptor or says why not', async () => {
  try {
    fingerprintHash(p, await new LinuxHardwareFingerprint().read());
  } catch (e) {
    assert.ok(isTesseraError(e, 'hardware.unreadable'), String(e));
  }
});
