// Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3). A date gives the seconds
// from the answer's own Date (the terminal's clock may be wrong), else from the terminal's
// clock; anything else gives no retryAfterSeconds rather than NaN or a negative number.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isTesseraError, type TesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../../src/terminal/terminalClient.ts';
import { type HostileServer, credentialFor, problem, startHostileServer } from './hostileServerKit.ts';

describe('a rate-limited answer whose Retry-After the server chose', () => {
  let server: HostileServer;
  let headers: Record<string, string> = {};
  before(async () => {
    server = await startHostileServer((_req, res) => problem(res, 429, { code: 'rate.limited', title: 'Too many requests' }, headers));
  });
  after(() => server.close());

  /** The error of a login answered 429 with `h`; the terminal's clock reads `now`. */
  async function refusal(h: Record<string, string>, now = Date.now): Promise<TesseraError> {
    headers = h;
    const client = new TerminalClient({ credential: credentialFor(server.url), primitives: nodePrimitives, now });
    const err = await client.login().then(
      () => assert.fail('login succeeded'),
      (e: unknown) => e,
    );
    assert.ok(isTesseraError(err, 'rate.limited'));
    return err;
  }

  test('delta-seconds are taken as they are', async () => {
    assert.equal((await refusal({ 'retry-after': '30' })).retryAfterSeconds, 30);
    assert.equal((await refusal({ 'retry-after': '0' })).retryAfterSeconds, 0);
  });

  test("an HTTP-date counts from the answer's Date header", async () => {
    const date = 'Sun, 06 Nov 1994 08:49:37 GMT';
    assert.equal((await refusal({ date, 'retry-after': 'Sun, 06 Nov 1994 08:51:37 GMT' })).retryAfterSeconds, 120);
  });

  test("an HTTP-date counts from the terminal's clock when the Date header is unusable", async () => {
    const now = () => Date.parse('1994-11-06T08:49:37Z');
    assert.equal((await refusal({ date: 'yesterday', 'retry-after': 'Sun, 06 Nov 1994 08:50:07 GMT' }, now)).retryAfterSeconds, 30);
  });

  test('an HTTP-date in the past means now', async () => {
    assert.equal((await refusal({ 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' })).retryAfterSeconds, 0);
  });

  test('an out-of-range number of seconds is capped at 2^31 (RFC 9111 §1.2.2)', async () => {
    assert.equal((await refusal({ 'retry-after': '99999999999999999999999' })).retryAfterSeconds, 2 ** 31);
  });

  for (const value of ['soon', '-5', '1.5', '1e3', '0x10', '30 seconds', 'Sun, 32 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 PST', '2024-01-01T00:00:00Z']) {
    test(`Retry-After: ${value} gives no retryAfterSeconds`, async () => {
      assert.equal((await refusal({ 'retry-after': value })).retryAfterSeconds, undefined);
    });
  }
});
