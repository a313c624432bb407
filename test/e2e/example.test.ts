// The README's SDK example runs against a real server through the package entry point
// `tessera/terminal` (the compiled dist/, built by `npm install` / `npm run build`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer } from './testServer.ts';

test('examples/terminalClient.ts logs in and makes a signed request', { skip: !existsSync('dist/terminal/index.js') && 'dist/ not built (npm run build)' }, async () => {
  const server = await startTestServer();
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-example-')), 'T-EX.json');
    writeFileSync(file, JSON.stringify(await server.addTerminal('T-EX')), { mode: 0o600 });
    // Asynchronous on purpose: the server runs in this process and must keep answering.
    const out = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/terminalClient.ts'], { env: { ...process.env, TESSERA_CREDENTIAL: file }, encoding: 'utf8' });
    assert.match(out.stdout, /^session [A-Za-z0-9_-]{22} until /);
    assert.match(out.stdout, /\{"terminalId":"T-EX","body":\{"hello":"tessera"\}\}/);
  } finally {
    await server.close();
  }
});
