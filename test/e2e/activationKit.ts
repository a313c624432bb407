// Helpers of the activation end-to-end tests: provisioned terminals written into the running
// server's database (a second connection to the same SQLite file or PostgreSQL schema, with
// K_t derived from the server's master key), code batches through the admin API, and raw
// reads of the database.
import { activationCodeFromData } from '../../src/protocol/activation/activationCode.ts';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { deriveTerminalKey } from '../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { KyselyDurableStore } from '../../src/server/store/kyselyDurableStore.ts';
import { openDurableStore } from '../../src/server/store/openDurableStore.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import type { TestServer } from './testServer.ts';

/** A second connection to the server's durable store; close it when done. */
export async function openServerStore(server: TestServer): Promise<KyselyDurableStore> {
  const { settings } = server.config;
  const store = await openDurableStore({ databaseUrl: settings.databaseUrl, sqlitePath: server.config.sqlitePath, ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}) });
  if (!(store instanceof KyselyDurableStore)) throw new Error('expected a Kysely store');
  return store;
}

/**
 * Registers `provisioned` terminals (as a factory import does, without a lot) and returns
 * their credentials. `hwHash` sets the factory hardware hash, so a hello without matching
 * evidence gets a restricted session.
 */
export async function provisionTerminals(server: TestServer, ids: readonly string[], options: { hwHash?: string; now?: Date } = {}): Promise<TerminalCredential[]> {
  const { kid, key } = server.config.masterKeys.current;
  const suites = ['hmac-sha256'];
  const store = await openServerStore(server);
  try {
    const now = options.now ?? new Date();
    const inserted = await store.terminals.createMany(ids.map((id) => ({ id, kid, suites, now, status: 'provisioned' as const, ...(options.hwHash ? { hwHash: options.hwHash } : {}) })));
    if (inserted !== ids.length) throw new Error(`only ${inserted} of ${ids.length} terminals were new`);
  } finally {
    await store.close();
  }
  return ids.map((terminalId) => ({ version: 1, terminalId, kid, key: toBase64Url(deriveTerminalKey(p, key, terminalId)), serverId: server.config.serverId, url: server.url, suites }));
}

/** A TerminalClient for a credential, on the server's URL and (optionally) clock. */
export function clientFor(server: TestServer, credential: TerminalCredential, now?: () => number): TerminalClient {
  return new TerminalClient({ credential, primitives: p, url: server.url, ...(now ? { now } : {}) });
}

/** A batch as the admin API shows it. */
export interface BatchView {
  id: string;
  product: string;
  count: number;
  expiresAt: string;
  revokedAt: string | null;
  counts: { issued: number; used: number; revoked: number; expired: number };
}

/** Issues a batch through the admin API and returns its codes. */
export async function issueCodes(server: TestServer, batch: string, count: number, extra: { product?: string; expiresAt?: string } = {}): Promise<string[]> {
  const res = await server.admin('POST', '/v1/admin/code-batches', { batch, count, product: extra.product ?? 'basic-12m', ...(extra.expiresAt ? { expiresAt: extra.expiresAt } : {}) });
  if (res.status !== 201) throw new Error(`issue failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { codes: string[] }).codes;
}

/** A batch's counts through the admin API. */
export async function batchView(server: TestServer, batch: string): Promise<BatchView> {
  const res = await server.admin('GET', `/v1/admin/code-batches/${encodeURIComponent(batch)}`);
  if (res.status !== 200) throw new Error(`batch ${batch}: ${res.status} ${await res.text()}`);
  return (await res.json()) as BatchView;
}

/** The terminal's status through the admin API. */
export async function terminalStatus(server: TestServer, id: string): Promise<string> {
  return ((await (await server.admin('GET', `/v1/admin/terminals/${encodeURIComponent(id)}`)).json()) as { status: string }).status;
}

/** A well-formed code (valid check symbol) that was never issued. */
export function neverIssued(n: number): string {
  return activationCodeFromData(`ZZZZ${String(n).padStart(12, '0')}`).text;
}
