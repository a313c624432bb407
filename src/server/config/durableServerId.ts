// The deployment's server id, fixed in the durable store on the first start. The id is inside
// every handshake transcript, credential and OTP image, so it must not follow the master-key
// ring: retiring the key it was derived from would otherwise orphan every terminal.
import type { DeploymentMetaStore } from '../store/types.ts';
import type { MasterKeyRing } from './masterKeys.ts';
import { deriveServerId } from './serverConfig.ts';

/** The `deployment_meta` key of the server id. */
export const SERVER_ID_KEY = 'server_id';

/** What {@link durableServerId} settled on. */
export interface SettledServerId {
  serverId: string;
  /** Set when TESSERA_SERVER_ID overrides a different stored id (worth a log line, not a refusal). */
  warning: string | undefined;
}

/**
 * The server id every process of the deployment uses. The first start stores
 * TESSERA_SERVER_ID when set, else the id derived from the ring; later starts use the stored
 * id whatever the ring holds. A set TESSERA_SERVER_ID always wins but never replaces the
 * stored id. Insert-if-absent, then read back: processes starting together agree.
 * @example const { serverId } = await durableServerId(store.meta, ring, settings.serverId)
 */
export async function durableServerId(meta: DeploymentMetaStore, ring: MasterKeyRing, configured: string | undefined): Promise<SettledServerId> {
  const stored = await meta.putIfAbsent(SERVER_ID_KEY, configured ?? deriveServerId(ring));
  if (configured === undefined || configured === stored) return { serverId: stored, warning: undefined };
  return {
    serverId: configured,
    warning: `TESSERA_SERVER_ID is ${configured} but this deployment's stored server id is ${stored}: terminals made under ${stored} fail with auth.server_not_genuine while TESSERA_SERVER_ID is set`,
  };
}
