// Public entry point `tessera/server`: build or start a Tessera server from settings.
export { type AppDependencies, buildApp } from './app.ts';
export { SETTINGS, type Settings } from './config/configSchema.ts';
export { loadSettings } from './config/loadSettings.ts';
export { resolveServerConfig, type ServerConfig } from './config/serverConfig.ts';
export { type RunningServer, startServer } from './startServer.ts';
