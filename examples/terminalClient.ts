// A terminal program using the SDK from the package entry point: log in (the server proves
// itself first), then make RFC 9421-signed requests; the client renews its session itself.
// Run: TESSERA_CREDENTIAL=T-0001.json npx tsx examples/terminalClient.ts
import { readFileSync } from 'node:fs';
import { parseCredential, TerminalClient } from 'tessera/terminal';
import { nodePrimitives } from 'tessera/terminal/node';

const credential = parseCredential(JSON.parse(readFileSync(process.env['TESSERA_CREDENTIAL'] ?? 'T-0001.json', 'utf8')));
const client = new TerminalClient({ credential, primitives: nodePrimitives });

const session = await client.login();
console.log(`session ${session.sessionId} until ${session.expiresAt.toISOString()}`);
const { body } = await client.request('POST', '/v1/session/echo', { body: { hello: 'tessera' } });
console.log(JSON.stringify(body));
