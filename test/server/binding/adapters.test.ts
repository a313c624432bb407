// The HTTP adapters against local servers on port 0: the SMS webhook sender, and the CAMARA
// SIM Swap client speaking the documented JSON (camaraproject/SimSwap sim-swap.yaml).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { createCamaraSimSwapOracle } from '../../../src/server/services/binding/simSwapOracle.ts';
import { createOutboxSmsSender, maskNumber, type SmsMessage } from '../../../src/server/services/binding/smsSender.ts';
import { createWebhookSmsSender } from '../../../src/server/services/binding/webhookSmsSender.ts';
import { type LocalJsonServer, startLocalJsonServer } from './localJsonServer.ts';

const message: SmsMessage = { to: '+447400123456', text: 'Tessera code 123456.', code: '123456', purpose: 'binding', reference: '01HZZZZZZZZZZZZZZZZZZZZZZZ', expiresAt: new Date('2030-01-01T00:00:00Z') };
const unavailable = (err: unknown) => isTesseraError(err, 'binding.oracle_unavailable');

describe('SMS webhook sender', () => {
  let gw: LocalJsonServer;
  before(async () => {
    gw = await startLocalJsonServer();
  });
  after(() => gw.close());

  test('POSTs the message as JSON with the bearer token and an idempotency key', async () => {
    gw.answer('/send', { status: 202, json: { id: 'm-1' } });
    await createWebhookSmsSender({ url: `${gw.url}/send`, token: 'gw-token' }).send(message);
    const r = gw.received.at(-1)!;
    assert.equal(r.method, 'POST');
    assert.equal(r.headers['authorization'], 'Bearer gw-token');
    assert.equal(r.headers['idempotency-key'], message.reference);
    assert.deepEqual(r.body, { to: '+447400123456', text: 'Tessera code 123456.', code: '123456', purpose: 'binding', reference: message.reference, expiresAt: '2030-01-01T00:00:00.000Z' });
  });

  test('a refusing, redirecting, unreachable or slow gateway is binding.delivery_failed without the code in the message', async () => {
    const failed = (err: unknown) => isTesseraError(err, 'binding.delivery_failed') && !err.message.includes('123456');
    gw.answer('/down', { status: 500, json: { error: 'boom' } });
    await assert.rejects(createWebhookSmsSender({ url: `${gw.url}/down` }).send(message), failed);
    gw.answer('/moved', { status: 302, json: {} });
    await assert.rejects(createWebhookSmsSender({ url: `${gw.url}/moved` }).send(message), failed);
    await assert.rejects(createWebhookSmsSender({ url: 'http://127.0.0.1:1/send' }).send(message), failed);
    gw.answer('/slow', { status: 200, delayMs: 500 });
    await assert.rejects(createWebhookSmsSender({ url: `${gw.url}/slow`, timeoutMs: 50 }).send(message), failed);
  });
});

test('the outbox sender writes the code to a 0600 file and logs only where it went', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-outbox-'));
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const path = join(dir, 'nested', 'sms-outbox.log');
  await createOutboxSmsSender(path, log, () => Date.parse('2030-01-01T00:00:00Z')).send(message);
  const text = readFileSync(path, 'utf8');
  assert.match(text, /^2030-01-01T00:00:00\.000Z to=\+•+3456 reference=01HZ+ code=123456 expires=2030-01-01T00:00:00\.000Z\n$/);
  if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
  const logged = lines.join('');
  assert.doesNotMatch(logged, /123456/, 'neither the code nor the full number reaches the log');
  assert.match(logged, /•+3456/);
  assert.equal(maskNumber('+4915112345678'), '+•••••••••5678');
});

describe('CAMARA SIM Swap client', () => {
  let op: LocalJsonServer;
  before(async () => {
    op = await startLocalJsonServer();
  });
  after(() => op.close());

  test('check sends {phoneNumber, maxAge} with the bearer token and reads {swapped}', async () => {
    op.answer('/sim-swap/v2/check', (r) => ({ status: 200, json: { swapped: (r.body as { maxAge: number }).maxAge >= 24 } }));
    const oracle = createCamaraSimSwapOracle({ baseUrl: `${op.url}/sim-swap/v2/`, token: 'op-token' });
    assert.equal(await oracle.check('+447400123456', 240), true);
    const r = op.received.at(-1)!;
    assert.equal(r.path, '/sim-swap/v2/check');
    assert.deepEqual(r.body, { phoneNumber: '+447400123456', maxAge: 240 });
    assert.equal(r.headers['authorization'], 'Bearer op-token');
    assert.match(String(r.headers['x-correlator']), /^[0-9a-f-]{36}$/);
    assert.equal(await oracle.check('+447400123456', 0.5), false, 'maxAge is whole hours, at least 1');
    assert.deepEqual(op.received.at(-1)!.body, { phoneNumber: '+447400123456', maxAge: 1 });
    await oracle.check('+447400123456', 99999);
    assert.deepEqual(op.received.at(-1)!.body, { phoneNumber: '+447400123456', maxAge: 2400 });
  });

  test('retrieve-date sends {phoneNumber} and reads latestSimChange (a date, or null)', async () => {
    const oracle = createCamaraSimSwapOracle({ baseUrl: op.url });
    op.answer('/retrieve-date', { status: 200, json: { latestSimChange: '2023-07-03T14:27:08.312+02:00' } });
    assert.equal((await oracle.latestSimChange('+447400123456'))?.toISOString(), '2023-07-03T12:27:08.312Z');
    assert.deepEqual(op.received.at(-1)!.body, { phoneNumber: '+447400123456' });
    op.answer('/retrieve-date', { status: 200, json: { latestSimChange: null, monitoredPeriod: 120 } });
    assert.equal(await oracle.latestSimChange('+447400123456'), null);
  });

  test('errors, odd JSON and timeouts are binding.oracle_unavailable', async () => {
    const oracle = createCamaraSimSwapOracle({ baseUrl: op.url, timeoutMs: 100 });
    op.answer('/check', { status: 403, json: { status: 403, code: 'PERMISSION_DENIED', message: 'no consent' } });
    await assert.rejects(oracle.check('+447400123456', 1), (e) => unavailable(e) && /403 PERMISSION_DENIED/.test((e as Error).message));
    // An error code that is not code-shaped (here the operator echoes the number) is left out of the message, which logs and events carry.
    op.answer('/check', { status: 400, json: { status: 400, code: 'bad number +447400123456', message: '+447400123456' } });
    await assert.rejects(oracle.check('+447400123456', 1), (e) => unavailable(e) && (e as Error).message === 'SIM Swap API: /check answered 400');
    // a body that is not JSON: the parse error (which quotes the body) is not kept as the cause
    op.answer('/check', { status: 404, text: '+447400123456 unknown' });
    await assert.rejects(oracle.check('+447400123456', 1), (e) => unavailable(e) && (e as Error).message === 'SIM Swap API: /check answered 404 without JSON' && (e as Error).cause === undefined);
    op.answer('/check', { status: 200, json: { swapped: 'yes' } });
    await assert.rejects(oracle.check('+447400123456', 1), unavailable);
    op.answer('/check', { status: 200, text: 'swapped' });
    await assert.rejects(oracle.check('+447400123456', 1), unavailable);
    op.answer('/check', { status: 200, json: { swapped: false }, delayMs: 400 });
    await assert.rejects(oracle.check('+447400123456', 1), unavailable);
    op.answer('/retrieve-date', { status: 200, json: { latestSimChange: '2023-07-03 14:27' } });
    await assert.rejects(oracle.latestSimChange('+447400123456'), unavailable);
    await assert.rejects(createCamaraSimSwapOracle({ baseUrl: 'http://127.0.0.1:1' }).check('+447400123456', 1), unavailable);
  });
});
