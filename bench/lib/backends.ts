// Where the Tessera server child keeps its state during the benchmark: SQLite in a fresh temp
// data dir and in-memory ephemeral state by default, or PostgreSQL (private schema, dropped
// afterwards) and/or Redis (private key prefix, deleted afterwards). Measures nothing.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { onCleanup } from './children.ts';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** TESSERA_* additions for the server child and a label for the report. */
export interface Backend {
  label: string;
  env: Record<string, string>;
  /** Command names of the local service processes (for CPU accounting), e.g. postgres. */
  serviceProcesses: string[];
}

const why = (err: unknown) => (err instanceof Error ? err.message || err.name : String(err));
/** A URL without its password, for messages. */
const safe = (url: string) => {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
};

async function preparePostgres(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`--pg: cannot reach PostgreSQL at ${safe(url)} (set TESSERA_DATABASE_URL): ${why(err)}`);
  } finally {
    await client.end().catch(() => {});
  }
  onCleanup(`drop schema ${schema}`, async () => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await c.end();
    }
  });
}

async function prepareRedis(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(`--redis: cannot reach Redis at ${safe(url)} (set TESSERA_REDIS_URL): ${why(err)}`);
  } finally {
    client.disconnect();
  }
  onCleanup(`delete Redis keys ${prefix}*`, async () => {
    const c = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1, retryStrategy: () => null });
    c.on('error', () => {});
    await c.connect();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await c.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      c.disconnect();
    }
  });
}

/** Checks the chosen services answer and registers their clean-up. */
export async function prepareBackend(options: { pg: boolean; redis: boolean }): Promise<Backend> {
  const tag = randomBytes(5).toString('hex');
  const env: Record<string, string> = {};
  if (options.pg) {
    const url = process.env['TESSERA_DATABASE_URL'] || DEFAULT_DATABASE_URL;
    const schema = `bench_${tag}`;
    await preparePostgres(url, schema);
    env['TESSERA_DATABASE_URL'] = url;
    env['TESSERA_DATABASE_SCHEMA'] = schema;
  }
  if (options.redis) {
    const url = process.env['TESSERA_REDIS_URL'] || DEFAULT_REDIS_URL;
    const prefix = `tessera-bench-${tag}:`;
    await prepareRedis(url, prefix);
    env['TESSERA_REDIS_URL'] = url;
    env['TESSERA_REDIS_PREFIX'] = prefix;
  }
  return {
    label: `${options.pg ? 'postgresql' : 'sqlite'}+${options.redis ? 'redis' : 'memory'}`,
    env,
    serviceProcesses: [...(options.pg ? ['postgres'] : []), ...(options.redis ? ['redis-server'] : [])],
  };
}
