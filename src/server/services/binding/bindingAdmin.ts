// Binding administration (admin API and CLI) and the terminal's own view: list (by
// terminal, app, status or phone number), show, suspend, release.
import { TesseraError } from '../../../protocol/errors.ts';
import type { BindingRecord, BindingStatus } from '../../store/types.ts';
import type { BindingDeps } from './bindingDeps.ts';
import { type BindingView, bindingView } from './bindingViews.ts';
import { normalizeMsisdn } from './msisdn.ts';

/** Query of {@link BindingAdmin.list}. */
export interface BindingAdminQuery {
  terminalId?: string | undefined;
  appId?: string | undefined;
  status?: BindingStatus | undefined;
  /** A phone number: matched through its hashes, never stored. */
  msisdn?: string | undefined;
  limit: number;
  before?: string | undefined;
}

/** Admin and self-service operations on bindings. */
export interface BindingAdmin {
  list(q: BindingAdminQuery): Promise<BindingView[]>;
  show(id: string): Promise<BindingView>;
  suspend(id: string, source: string): Promise<BindingView>;
  release(id: string, source: string): Promise<BindingView>;
  /** The terminal's current (active or suspended) binding. */
  current(terminalId: string): Promise<BindingView>;
  /** The terminal ends its own current binding (the user unbinds the app). */
  releaseOwn(terminalId: string, source: string): Promise<BindingView>;
}

/** Creates the admin service. */
export function createBindingAdmin(deps: BindingDeps): BindingAdmin {
  const { ctx, hasher, codes } = deps;
  const store = ctx.durable.bindings;

  async function get(id: string): Promise<BindingRecord> {
    const b = await store.get(id);
    if (!b) throw new TesseraError('binding.not_found', `no binding ${id}`);
    return b;
  }

  async function end(b: BindingRecord, reason: string, source: string, by: string): Promise<BindingView> {
    const ended = await store.transition(b.id, ['pending', 'active', 'suspended'], 'ended', reason, new Date(ctx.now()));
    if (!ended) throw new TesseraError('binding.state_conflict', `binding ${b.id} has already ended`);
    if (b.status === 'pending') await codes.void(b.id);
    await ctx.events.record('binding.ended', b.terminalId, source, { bindingId: b.id, reason, by });
    return bindingView(ended);
  }

  return {
    async list(q) {
      const msisdnHashes = q.msisdn === undefined ? undefined : hasher.msisdnHashes(normalizeMsisdn(q.msisdn));
      const records = await store.list({ terminalId: q.terminalId, appId: q.appId, status: q.status, msisdnHashes, limit: q.limit, before: q.before });
      return records.map(bindingView);
    },
    show: async (id) => bindingView(await get(id)),
    async suspend(id, source) {
      const b = await get(id);
      const suspended = await store.transition(id, ['active'], 'suspended', 'admin', new Date(ctx.now()));
      if (!suspended) throw new TesseraError('binding.state_conflict', `binding ${id} is ${b.status}; only an active binding can be suspended`);
      await ctx.events.record('binding.suspended', b.terminalId, source, { bindingId: id, reason: 'admin', by: 'admin' });
      return bindingView(suspended);
    },
    release: async (id, source) => end(await get(id), 'released', source, 'admin'),
    async current(terminalId) {
      const b = await store.current(terminalId);
      if (!b) throw new TesseraError('binding.not_found', 'this terminal has no current binding');
      return bindingView(b);
    },
    async releaseOwn(terminalId, source) {
      const b = await store.current(terminalId);
      if (!b) throw new TesseraError('binding.not_found', 'this terminal has no current binding');
      return end(b, 'released_by_terminal', source, 'terminal');
    },
  };
}
