// Behind a trusted proxy (TESSERA_TRUST_PROXY) the scheme and host of a request come from
// X-Forwarded-Proto and X-Forwarded-Host, and without TESSERA_PUBLIC_URL they become the
// server URL of a new terminal's credential: only http(s) and a real host may.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertProblem, send } from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

let server: TestServer;
let n = 0;
before(async () => {
  server = await startTestServer({ env: { TESSERA_TRUST_PROXY: 'true' } });
});
after(() => server?.close());

const addBehindProxy = (proto: string, host: string) =>
  send(`${server.url}/v1/admin/terminals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.env['TESSERA_ADMIN_TOKEN']}`, 'content-type': 'application/json', 'x-forwarded-proto': proto, 'x-forwarded-host': host },
    body: JSON.stringify({ id: `T-proxy-${++n}` }),
  });

test('the forwarded scheme and host make the credential URL, in canonical form', async () => {
  const answer = await addBehindProxy('https', 'Tessera.Example:443');
  assert.equal(answer.status, 201, answer.text);
  assert.equal(answer.json.credential.url, 'https://tessera.example');
});

test('a forwarded scheme that is not http(s), or a forwarded host that is not a host, is refused, not written into a credential', async () => {
  for (const [proto, host] of [
    ['https://evil.example/x?', 'tessera.example'],
    ['ftp', 'tessera.example'],
    ['https', 'a b'],
    ['https', 'x"y'],
    ['https', 'evil.example/path'],
  ] as const) {
    const answer = await addBehindProxy(proto, host);
    assertProblem(answer, 400, 'input.malformed_request', `${proto} ${host}`);
    assert.match(answer.json.detail, /TESSERA_PUBLIC_URL/);
  }
});
