// Terminal administration: register (returning the credential once), list, show, revoke,
// restrict and restore (the transitions of services/lifecycle.ts).
import { toBase64Url } from '../../protocol/bytes.ts';
import type { TerminalCredential } from '../../protocol/credential.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { getHandshakeSuite } from '../../protocol/handshake/suites.ts';
import type { ServerContext } from '../serverContext.ts';
import { checkSuiteList } from './suiteList.ts';
import type { TerminalRecord, TerminalStatus } from '../store/types.ts';
import { ADMIN_TRANSITIONS, type AdminTransition } from './lifecycle.ts';
import type { TerminalKeys } from './terminalKeys.ts';

/** Terminal administration operations. */
export interface TerminalService {
  add(input: { id: string; label?: string; suites?: string[] }, source: string, publicUrl: string): Promise<{ terminal: TerminalRecord; credential: TerminalCredential }>;
  list(q: { status?: TerminalStatus; limit: number; after?: string }): Promise<TerminalRecord[]>;
  show(id: string): Promise<TerminalRecord>;
  revoke(id: string, source: string): Promise<TerminalRecord>;
  /**
   * Restrict (→ restricted) or restore (restricted → active, or → provisioned for a factory
   * terminal that never spent an activation code); `terminal.wrong_state` from any other state.
   */
  changeState(id: string, op: 'restrict' | 'restore', source: string): Promise<TerminalRecord>;
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
    revoke: (id, source) => changeState(id, 'revoke', source),
    changeState,
  };

  /** One admin transition (lifecycle.ts); a terminal already where `op` leads is returned as it is. */
  async function changeState(id: string, op: AdminTransition, source: string): Promise<TerminalRecord> {
    if (op === 'restore') return restore(id, source);
    const to = op === 'restrict' ? 'restricted' : 'revoked';
    const current = await show(id);
    if (current.status === to) return current;
    const t = await ctx.durable.terminals.transition(id, ADMIN_TRANSITIONS[op], to, new Date(ctx.now()));
    if (!t) {
      const now = await show(id); // moved meanwhile: into `to` (done) or somewhere it cannot leave
      if (now.status === to) return now;
      throw new TesseraError('terminal.wrong_state', `terminal ${id} is ${now.status}; it cannot be ${PAST[op]}`);
    }
    await ctx.events.record(STATE_EVENTS[op], id, source, { from: current.status, to });
    return t;
  }

  /**
   * Lifts a restriction: back to the state the terminal was restricted from, in one UPDATE, so
   * restrict-then-restore never activates a terminal that has not spent a code. A terminal that
   * is not restricted is returned as it is; a revoked one is refused.
   */
  async function restore(id: string, source: string): Promise<TerminalRecord> {
    const t = await ctx.durable.terminals.restore(id, new Date(ctx.now()));
    if (t) {
      await ctx.events.record(STATE_EVENTS.restore, id, source, { from: 'restricted', to: t.status });
      return t;
    }
    const current = await show(id);
    if (current.status === 'revoked') throw new TesseraError('terminal.wrong_state', `terminal ${id} is revoked; it cannot be restored`);
    return current;
  }
}

/** The security event of each admin transition. */
const STATE_EVENTS = { restrict: 'terminal.restricted', restore: 'terminal.restored', revoke: 'terminal.revoked' } as const;
const PAST = { restrict: 'restricted', revoke: 'revoked' } as const;
