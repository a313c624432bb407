// Starts a real Tessera server on 127.0.0.1 port 0 for end-to-end tests, on the embedded
// defaults in a temp dir or (backend 'shared') on the PostgreSQL and Redis named by
// TESSERA_DATABASE_URL / TESSERA_REDIS_URL in a private schema and key prefix.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { loadSettings } from '../../src/server/config/loadSettings.ts';
import { type RunningServer, startServer } from '../../src/server/startServer.ts';

export type Backend = 'embedded' | 'shared';

/** True when the shared backends are configured (CI sets both). */
export const sharedAvailable = Boolean(process.env['TESSERA_DATABASE_URL'] && process.env['TESSERA_REDIS_URL']);

/** A server under test plus helpers. */
export interface TestServer extends RunningServer {
  env: Record<string, string>;
  addTerminal(id: string, suites?: string[]): Promise<TerminalCredential>;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
}

/** Environment for a fresh deployment: temp data dir, fixed master key, private schema/prefix. */
export function deploymentEnv(backend: Backend): { env: Record<string, string>; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  const id = randomBytes(6).toString('hex');
  const env: Record<string, string> = {
    TESSERA_PORT: '0',
    TESSERA_HOST: '127.0.0.1',
    TESSERA_DATA_DIR: dir,
    TESSERA_MASTER_KEY: `1:${randomBytes(32).toString('base64url')}`,
    TESSERA_ADMIN_TOKEN: randomBytes(32).toString('base64url'),
    TESSERA_LOG_LEVEL: 'silent',
  };
  if (backend === 'shared') {
    env['TESSERA_DATABASE_URL'] = process.env['TESSERA_DATABASE_URL']!;
    env['TESSERA_REDIS_URL'] = process.env['TESSERA_REDIS_URL']!;
    env['TESSERA_DATABASE_SCHEMA'] = `e2e_${id}`;
    env['TESSERA_REDIS_PREFIX'] = `tessera-e2e-${id}:`;
  }
  return {
    env,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'shared') {
        const client = new pg.Client({ connectionString: env['TESSERA_DATABASE_URL'] });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${env['TESSERA_DATABASE_SCHEMA']} CASCADE`);
        await client.end();
      }
    },
  };
}

/** Starts a server; `close()` also removes its data dir and schema. */
export async function startTestServer(options: { backend?: Backend; env?: Record<string, string>; now?: () => number; shareWith?: TestServer } = {}): Promise<TestServer> {
  const backend = options.backend ?? 'embedded';
  const deployment = options.shareWith ? { env: { ...options.shareWith.env }, cleanup: async () => {} } : deploymentEnv(backend);
  const env = { ...deployment.env, ...(options.env ?? {}) };
  const server = await startServer(loadSettings(env), { logger: false, ...(options.now ? { now: options.now } : {}) });
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${env['TESSERA_ADMIN_TOKEN']}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return {
    ...server,
    env,
    admin,
    async addTerminal(id, suites) {
      const res = await admin('POST', '/v1/admin/terminals', suites ? { id, suites } : { id });
      if (res.status !== 201) throw new Error(`terminal add failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { credential: TerminalCredential }).credential;
    },
    async close() {
      await server.close();
      await deployment.cleanup();
    },
  };
}
