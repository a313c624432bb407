// Terminal administration: register (returning the credential once), list, show, revoke,
// restrict and restore (the transitions of services/lifecycle.ts).
import { toBase64Url } from '../../protocol/bytes.ts';
import type { TerminalCredential } from '../../protocol/credential.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { getHandshakeSuite } from '../../protocol/handshake/suites.ts';
import type { ServerContext } from '../serverContext.ts';
import { checkSuiteList } from './suiteList.ts';
import type { TerminalRecord, TerminalStatus } from '../store/types.ts';
import { ADMIN_TRANSITIONS } from './lifecycle.ts';
import type { TerminalKeys } from './terminalKeys.ts';

/** Terminal administration operations. */
export interface TerminalService {
  add(input: { id: string; label?: string; suites?: string[] }, source: string, publicUrl: string): Promise<{ terminal: TerminalRecord; credential: TerminalCredential }>;
  list(q: { status?: TerminalStatus; limit: number; after?: string }): Promise<TerminalRecord[]>;
  show(id: string): Promise<TerminalRecord>;
  revoke(id: string, source: string): Promise<TerminalRecord>;
  /** Restrict (→ restricted) or restore (restricted → active); `terminal.wrong_state` from any other state. */
  changeState(id: string, to: 'restricted' | 'active', source: string): Promise<TerminalRecord>;
}

/** Creates the terminal service. */
export function createTerminalService(ctx: ServerContext, keys: TerminalKeys): TerminalService {
  async function show(id: string): Promise<TerminalRecord> {
    const t = await ctx.durable.terminals.get(id);
    if (!t) throw new TesseraError('terminal.not_found', `no terminal ${id}`);
    return t;
  }
  return {
    async add(input, source, publicUrl) {
      const suites = input.suites ?? [...ctx.config.settings.suites];
      checkSuiteList(suites, 'suites', (s) => getHandshakeSuite(s) !== undefined);
      const { kid } = ctx.config.masterKeys.current;
      const terminal = await ctx.durable.terminals.create({ id: input.id, kid, suites, label: input.label ?? null, now: new Date(ctx.now()) });
      await ctx.events.record('terminal.created', terminal.id, source, { kid });
      const key = keys.keyFor(terminal.id, kid)!;
      return {
        terminal,
        credential: { version: 1, terminalId: terminal.id, kid, key: toBase64Url(key), serverId: ctx.config.serverId, url: publicUrl, suites },
      };
    },
    list: (q) => ctx.durable.terminals.list(q),
    show,
    revoke: (id, source) => changeState(id, 'revoked', source),
    changeState,
  };

  /** One admin transition (lifecycle.ts); a terminal already in `to` is returned as it is. */
  async function changeState(id: string, to: keyof typeof ADMIN_TRANSITIONS, source: string): Promise<TerminalRecord> {
    const current = await show(id);
    if (current.status === to) return current;
    const t = await ctx.durable.terminals.transition(id, ADMIN_TRANSITIONS[to], to, new Date(ctx.now()));
    if (!t) {
      const now = await show(id); // moved meanwhile: into `to` (done) or somewhere it cannot leave
      if (now.status === to) return now;
      throw new TesseraError('terminal.wrong_state', `terminal ${id} is ${now.status}; it cannot become ${to}`);
    }
    await ctx.events.record(STATE_EVENTS[to], id, source, { from: current.status });
    return t;
  }
}

/** The security event of each admin transition. */
const STATE_EVENTS = { restricted: 'terminal.restricted', active: 'terminal.restored', revoked: 'terminal.revoked' } as const;
