// The ModemManager adapter on sample `mmcli -K` output (fixtures/, after mmcli's documented
// key-value format): parsing, unescaping, and the facts read through an injected runner.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { createMmcliSubscriberInfo, type MmcliRunner, parseMmcliKeyValue, unescapeMmcliValue } from '../../../src/terminal/binding/mmcliSubscriberInfo.ts';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

/** A runner answering each mmcli invocation with a fixture, recording the calls. */
function runner(map: Record<string, string>): MmcliRunner & { calls: string[] } {
  const calls: string[] = [];
  const run = async (args: readonly string[]) => {
    const key = args.join(' ');
    calls.push(key);
    const file = map[key];
    if (file === undefined) throw new Error(`unexpected mmcli ${key}`);
    return fixture(file);
  };
  return Object.assign(run, { calls });
}

test('key-value output: singles, 1-based arrays, "--" as absent, padding ignored', () => {
  const modem = parseMmcliKeyValue(fixture('mmcli-modem-quectel.txt'));
  assert.equal(modem.get('modem.generic.sim'), '/org/freedesktop/ModemManager1/SIM/0');
  assert.deepEqual(modem.get('modem.generic.own-numbers'), ['+447400123456']);
  assert.deepEqual(modem.get('modem.generic.ports'), ['cdc-wdm0 (qmi)', 'ttyUSB0 (qcdm)', 'ttyUSB1 (gps)', 'ttyUSB2 (at)', 'wwan0 (net)']);
  assert.equal(modem.has('modem.generic.carrier-configuration'), false);
  assert.equal(modem.has('modem.generic.sim-slots'), false);
  assert.deepEqual(parseMmcliKeyValue(fixture('mmcli-list.txt')).get('modem-list'), ['/org/freedesktop/ModemManager1/Modem/0']);
  assert.deepEqual(parseMmcliKeyValue('x.length : 0\n').get('x'), []);
  assert.equal(parseMmcliKeyValue('no separator here\n\n').size, 0);
});

test('values are unescaped as g_strescape escaped them (octal UTF-8 bytes, C escapes)', () => {
  const sim = parseMmcliKeyValue(fixture('mmcli-sim-esim.txt'));
  assert.equal(sim.get('sim.properties.operator-name'), 'Movistar España "eSIM"');
  assert.equal(unescapeMmcliValue('a\\tb\\\\c\\n'), 'a\tb\\c\n');
});

test('a modem with its own number: ICCID, IMSI and number from mmcli, SE serial from the platform', async () => {
  const run = runner({ '-L -K': 'mmcli-list.txt', '-m /org/freedesktop/ModemManager1/Modem/0 -K': 'mmcli-modem-quectel.txt', '-i /org/freedesktop/ModemManager1/SIM/0 -K': 'mmcli-sim-giffgaff.txt' });
  const facts = await createMmcliSubscriberInfo({ run, seSerial: async () => 'cplc:4790-5040-0001' }).read();
  assert.deepEqual(facts, { iccid: '8944110068256270054', imsi: '234104886708667', seSerial: 'CPLC479050400001', msisdn: '+447400123456' });
  assert.deepEqual(run.calls, ['-L -K', '-m /org/freedesktop/ModemManager1/Modem/0 -K', '-i /org/freedesktop/ModemManager1/SIM/0 -K']);
});

test('an eSIM in slot 2 without a stored number: the EID is the secure-element serial, the trailing F is dropped', async () => {
  const run = runner({ '-m 3 -K': 'mmcli-modem-esim.txt', '-i /org/freedesktop/ModemManager1/SIM/4 -K': 'mmcli-sim-esim.txt' });
  const facts = await createMmcliSubscriberInfo({ run, modem: '3' }).read();
  assert.deepEqual(facts, { iccid: '8934071100123456786', imsi: '214070123456789', seSerial: '89049032004008882600004963000052' });
});

test('no SIM, no EID or no modem: binding.facts_missing saying why', async () => {
  const missing = (why: RegExp) => (e: unknown) => isTesseraError(e, 'binding.facts_missing') && why.test((e as Error).message);
  await assert.rejects(createMmcliSubscriberInfo({ run: runner({ '-m 1 -K': 'mmcli-modem-nosim.txt' }), modem: '1' }).read(), missing(/no SIM/));
  const giffgaff = runner({ '-m 0 -K': 'mmcli-modem-quectel.txt', '-i /org/freedesktop/ModemManager1/SIM/0 -K': 'mmcli-sim-giffgaff.txt' });
  await assert.rejects(createMmcliSubscriberInfo({ run: giffgaff, modem: '0' }).read(), missing(/eUICC/));
  await assert.rejects(createMmcliSubscriberInfo({ run: async () => 'modem-list.length : 0\n' }).read(), missing(/no modem/));
});
