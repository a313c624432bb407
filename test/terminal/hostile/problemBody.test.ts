// A problem answer is the server's text, and it goes into error messages that terminals log
// and show: a detail with control characters (a forged log line, an escape sequence) or
// megabytes long is cleaned and cut; a code is taken only when it is one of the catalogue's
// own codes (not "toString" or "__proto__", which every object has, nor one of the client's
// own `client.*` codes), else `client.bad_response`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isTesseraError, type TesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../../src/terminal/terminalClient.ts';
import { type HostileServer, credentialFor, startHostileServer } from './hostileServerKit.ts';

describe('a problem answer whose text the server chose', () => {
  let server: HostileServer;
  let answer = '';
  before(async () => {
    server = await startHostileServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      res.end(answer);
    });
  });
  after(() => server.close());

  async function refusal(body: unknown): Promise<TesseraError> {
    answer = typeof body === 'string' ? body : JSON.stringify(body);
    const client = new TerminalClient({ credential: credentialFor(server.url), primitives: nodePrimitives });
    return client.login().then(
      () => assert.fail('login succeeded'),
      (e: unknown) => {
        assert.ok(isTesseraError(e), String(e));
        return e;
      },
    );
  }

  test('control characters and bidirectional overrides in the detail are replaced', async () => {
    const err = await refusal({ code: 'auth.refused', detail: 'no\r\n2026-01-01 INFO login ok T-0001\u001b[2J\u202eevil\u0000' });
    assert.equal(err.code, 'auth.refused');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them
    assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f-\u009f\u202e]/);
    assert.match(err.message, /^no\uFFFD\uFFFD2026-01-01 INFO login ok T-0001/);
  });

  test('a huge detail is cut to 300 characters', async () => {
    const err = await refusal({ code: 'auth.refused', detail: 'x'.repeat(500_000) });
    assert.equal(err.message, `${'x'.repeat(300)}…`);
  });

  test('the title, used when there is no detail, is cleaned too', async () => {
    const err = await refusal({ code: 'auth.refused', title: `a\u0007b${'y'.repeat(1000)}` });
    assert.ok(err.message.startsWith('a\uFFFDb') && err.message.length === 301, err.message.slice(0, 20));
  });

  test('a field that is not a short clean name is dropped', async () => {
    assert.equal((await refusal({ code: 'input.invalid', field: 'msisdn' })).field, 'msisdn');
    assert.equal((await refusal({ code: 'input.invalid', field: 'a\nb' })).field, undefined);
    assert.equal((await refusal({ code: 'input.invalid', field: 'f'.repeat(1000) })).field, undefined);
  });

  for (const code of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
    test(`code ${code} (a property of every object, not a catalogue code) is client.bad_response`, async () => {
      const err = await refusal({ code, detail: 'd' });
      assert.equal(err.code, 'client.bad_response');
      assert.equal(err.status, 400);
    });
  }

  test('a client-side code (client.network, client.timeout, …) in a server answer is client.bad_response', async () => {
    // Those codes say the terminal could not reach or read the server; a server that sends
    // one would make a terminal retry or report a network fault for what is its answer.
    for (const code of ['client.network', 'client.timeout', 'client.bad_response']) {
      const err = await refusal({ code, detail: 'd' });
      assert.equal(err.code, 'client.bad_response', code);
      assert.equal(err.message, 'd');
    }
  });

  test('an unknown code or a body that is no problem object is client.bad_response', async () => {
    for (const body of [{ code: 'made.up' }, { code: 5 }, 'null', '[]', '"text"', '5', '']) {
      const err = await refusal(body);
      assert.equal(err.code, 'client.bad_response', JSON.stringify(body));
    }
  });
});
