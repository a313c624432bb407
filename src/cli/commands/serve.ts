// `tessera serve`: starts the server on the settings from TESSERA_* variables and stops it
// cleanly on SIGINT/SIGTERM.
import { Command } from 'commander';
import { loadSettings } from '../../server/config/loadSettings.ts';

/** The serve command. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('Start the Tessera server (settings from TESSERA_* variables; see docs/operations.md)')
    .option('--port <port>', 'overrides TESSERA_PORT')
    .option('--host <host>', 'overrides TESSERA_HOST')
    .option('--data-dir <dir>', 'overrides TESSERA_DATA_DIR')
    .addHelpText('after', '\nExample:\n  TESSERA_PORT=8080 tessera serve\n  TESSERA_DATABASE_URL=postgres://localhost/tessera TESSERA_REDIS_URL=redis://localhost:6379 tessera serve')
    .action(async (opts: { port?: string; host?: string; dataDir?: string }) => {
      const env = { ...process.env };
      if (opts.port !== undefined) env['TESSERA_PORT'] = opts.port;
      if (opts.host !== undefined) env['TESSERA_HOST'] = opts.host;
      if (opts.dataDir !== undefined) env['TESSERA_DATA_DIR'] = opts.dataDir;
      // Loaded here, not at the top: every other command (a factory run of a million
      // terminals among them) would otherwise carry Fastify and the whole server in memory.
      const { startServer } = await import('../../server/startServer.ts');
      const server = await startServer(loadSettings(env));
      for (const file of server.config.created) process.stderr.write(`tessera: created ${file} (mode 0600)\n`);
      process.stderr.write(`tessera: server ${server.config.serverId} listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
