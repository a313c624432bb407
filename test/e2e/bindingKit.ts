// Helpers of the binding end-to-end tests: a server whose development SMS outbox the test
// reads (as a developer would), terminals with simulated SIMs, valid identifiers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { luhnValid, type SubscriberFacts } from '../../src/protocol/binding/simIdentifiers.ts';
import { isTesseraError, type TesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { BindingClient } from '../../src/terminal/binding/bindingClient.ts';
import { SimulatedSubscriberInfo } from '../../src/terminal/binding/subscriberInfo.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { type Backend, startTestServer, type TestServer } from './testServer.ts';

/** A controllable clock shared by the server and its terminals. */
export interface Clock {
  now: () => number;
  advance(ms: number): void;
}

export function testClock(start = Date.now()): Clock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** An ICCID (19 digits, issuer 89 44) with a valid Luhn check digit. */
export function iccid(n: number): string {
  const payload = `8944${String(n).padStart(14, '0')}`;
  for (let d = 0; d < 10; d++) if (luhnValid(payload + d)) return payload + d;
  throw new Error('unreachable');
}

export const imsi = (n: number) => `23410${String(n).padStart(10, '0')}`;
export const msisdn = (n: number) => `+44740012${String(n).padStart(4, '0')}`;
export const seSerial = (n: number) => `SE${String(n).padStart(10, '0')}`;

/** Facts of SIM `n` in SE `se` (the number is reported by the SIM unless `withNumber` is false). */
export function facts(n: number, se = n, withNumber = true): SubscriberFacts {
  return { iccid: iccid(n), imsi: imsi(n), seSerial: seSerial(se), ...(withNumber ? { msisdn: msisdn(n) } : {}) };
}

/** A server with the outbox in its data dir. */
export async function startBindingServer(options: { backend?: Backend; env?: Record<string, string>; clock?: Clock } = {}): Promise<TestServer & { outbox: string }> {
  const server = await startTestServer({
    backend: options.backend ?? 'embedded',
    env: { TESSERA_BINDING_APPS: 'wallet,bank', ...options.env },
    ...(options.clock ? { now: options.clock.now } : {}),
  });
  return Object.assign(server, { outbox: server.env['TESSERA_BINDING_SMS_OUTBOX'] ?? join(server.env['TESSERA_DATA_DIR']!, 'sms-outbox.log') });
}

/** The code the outbox holds for a binding (what a developer reads from the file). */
export function codeFromOutbox(outbox: string, bindingId: string): string {
  const line = readFileSync(outbox, 'utf8')
    .split('\n')
    .find((l) => l.includes(`reference=${bindingId} `));
  const code = line ? / code=(\d+) /.exec(line)?.[1] : undefined;
  if (!code) throw new Error(`no code for ${bindingId} in ${outbox}`);
  return code;
}

/** A registered, logged-in terminal with a simulated SIM. */
export interface TestTerminal {
  id: string;
  client: TerminalClient;
  sim: SimulatedSubscriberInfo;
  binding: BindingClient;
}

export async function newTerminal(server: TestServer, id: string, sim: SubscriberFacts, clock?: Clock): Promise<TestTerminal> {
  const credential = await server.addTerminal(id);
  const client = new TerminalClient({ credential, primitives: nodePrimitives, url: server.url, ...(clock ? { now: clock.now } : {}) });
  const subscriber = new SimulatedSubscriberInfo(sim);
  return { id, client, sim: subscriber, binding: new BindingClient({ client, subscriber }) };
}

/** Registers `number` (default: the SIM's) and confirms with the code from the outbox. */
export async function bind(server: TestServer & { outbox: string }, t: TestTerminal, number = t.sim.facts.msisdn!, appId?: string) {
  const pending = await t.binding.register({ msisdn: number, ...(appId ? { appId } : {}) });
  return t.binding.confirm(codeFromOutbox(server.outbox, pending.binding.id));
}

/** Asserts that `promise` rejects with the TesseraError `code`; returns the error. */
export async function refusedWith(promise: Promise<unknown>, code: string): Promise<TesseraError> {
  let caught: unknown;
  await promise.then(
    () => {
      throw new Error(`expected ${code}, got success`);
    },
    (err: unknown) => {
      caught = err;
    },
  );
  if (!isTesseraError(caught) || caught.code !== code) throw new Error(`expected ${code}, got ${isTesseraError(caught) ? caught.code : String(caught)}`);
  return caught;
}

/** Security events of a type, newest first, through the admin API. */
export async function events(server: TestServer, type: string, terminalId?: string): Promise<Array<{ type: string; terminalId: string | null; detail: Record<string, unknown> }>> {
  const q = new URLSearchParams({ type, limit: '100', ...(terminalId ? { terminalId } : {}) });
  const res = await server.admin('GET', `/v1/admin/events?${q}`);
  return ((await res.json()) as { events: Array<{ type: string; terminalId: string | null; detail: Record<string, unknown> }> }).events;
}
