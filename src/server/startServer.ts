// Opens the stores named by the config, builds the app and listens. Used by `tessera serve`
// and the end-to-end tests; returns a handle that closes everything in order.
import type { FastifyInstance } from 'fastify';
import type { Settings } from './config/configSchema.ts';
import { resolveServerConfig, type ServerConfig } from './config/serverConfig.ts';
import { buildApp, type AppDependencies } from './app.ts';
import { openEphemeralStore } from './ephemeral/openEphemeralStore.ts';
import { openDurableStore } from './store/openDurableStore.ts';

/** A running server. */
export interface RunningServer {
  app: FastifyInstance;
  config: ServerConfig;
  /** The base URL it listens on. */
  url: string;
  close(): Promise<void>;
}

/**
 * How long close() lets requests in flight finish before it cuts their connections: a client
 * that never finishes sending (or reading) must not hold a shutdown until the request timeout.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Starts a server from validated settings. */
export async function startServer(settings: Readonly<Settings>, extra: Pick<AppDependencies, 'now' | 'logger'> = {}): Promise<RunningServer> {
  const resolved = resolveServerConfig(settings);
  const durable = await openDurableStore({ databaseUrl: settings.databaseUrl, sqlitePath: resolved.sqlitePath, ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}) });
  let ephemeral: Awaited<ReturnType<typeof openEphemeralStore>>;
  let app: FastifyInstance;
  try {
    ephemeral = await openEphemeralStore({ redisUrl: settings.redisUrl, keyPrefix: settings.redisKeyPrefix, maxEntries: settings.memoryMaxEntries, ...(extra.now ? { now: extra.now } : {}) });
  } catch (err) {
    await durable.close();
    throw err;
  }
  try {
    app = await buildApp(resolved, { durable, ephemeral, ...extra });
  } catch (err) {
    await Promise.all([durable.close(), ephemeral.close()]);
    throw err;
  }
  const config = app.tesseraConfig;
  try {
    await app.listen({ port: settings.port, host: settings.host });
  } catch (err) {
    await app.close();
    await Promise.all([durable.close(), ephemeral.close()]);
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    app,
    config,
    url: `http://${host}:${port}`,
    async close() {
      const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
      await Promise.all([durable.close(), ephemeral.close()]);
    },
  };
}
