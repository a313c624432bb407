// The admin API (bearer admin token): terminals and the security event log.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { adminScope } from '../http/adminAuth.ts';
import type { TerminalService } from '../services/terminalService.ts';
import type { SecurityEvent, TerminalRecord } from '../store/types.ts';
import {
  AddTerminalBody,
  AddTerminalReply,
  ListEventsQuery,
  ListEventsReply,
  ListTerminalsQuery,
  ListTerminalsReply,
  Problem,
  TerminalParams,
  TerminalReply,
} from './schemas.ts';
import { nextCursor, pageSize } from './paging.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const terminalJson = ({ hwHash, ...t }: TerminalRecord) => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
  revokedAt: iso(t.revokedAt),
  hardwareBound: hwHash !== null,
});
const eventJson = (e: SecurityEvent) => ({ ...e, at: e.at.toISOString() });

/** What the server URL of a new credential is made from when TESSERA_PUBLIC_URL is unset. */
export interface RequestOrigin {
  protocol: string;
  host: string;
}

/** Options of the admin routes. */
export interface AdminRouteOptions {
  terminals: TerminalService;
  adminToken: string;
  /** The server URL for a credential: TESSERA_PUBLIC_URL, or the request's origin (refused when its host is not one). */
  publicUrl: (request: RequestOrigin) => string;
  listEvents: (q: { terminalId?: string; type?: string; limit: number; before?: string }) => Promise<SecurityEvent[]>;
}

/** Admin routes under /v1/admin. */
export const adminRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, opts) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { tags, security } = adminScope(app, opts.adminToken);

  r.post(
    '/v1/admin/terminals',
    { schema: { tags, security, summary: 'Register a terminal; the reply holds its credential, shown once', body: AddTerminalBody, response: { 201: AddTerminalReply, '4xx': Problem } } },
    async (request, reply) => {
      const out = await opts.terminals.add(request.body, request.ip, opts.publicUrl(request));
      return reply.code(201).send({ terminal: terminalJson(out.terminal), credential: out.credential });
    },
  );
  r.get(
    '/v1/admin/terminals',
    { schema: { tags, security, summary: 'List terminals by id', querystring: ListTerminalsQuery, response: { 200: ListTerminalsReply, '4xx': Problem } } },
    async (request) => {
      const limit = pageSize(request.query.limit);
      const list = await opts.terminals.list({ limit, status: request.query.status, after: request.query.after });
      return { terminals: list.map(terminalJson), next: nextCursor(list, limit, (t) => t.id) };
    },
  );
  r.get(
    '/v1/admin/terminals/:id',
    { schema: { tags, security, summary: 'Show a terminal', params: TerminalParams, response: { 200: TerminalReply, '4xx': Problem } } },
    async (request) => terminalJson(await opts.terminals.show(request.params.id)),
  );
  r.post(
    '/v1/admin/terminals/:id/revoke',
    { schema: { tags, security, summary: 'Revoke a terminal: no new session, live sessions refused', params: TerminalParams, response: { 200: TerminalReply, '4xx': Problem } } },
    async (request) => terminalJson(await opts.terminals.revoke(request.params.id, request.ip)),
  );
  r.post(
    '/v1/admin/terminals/:id/restrict',
    { schema: { tags, security, summary: 'Restrict a terminal to updates only (its sessions lose every other capability at once)', params: TerminalParams, response: { 200: TerminalReply, '4xx': Problem } } },
    async (request) => terminalJson(await opts.terminals.changeState(request.params.id, 'restrict', request.ip)),
  );
  r.post(
    '/v1/admin/terminals/:id/restore',
    { schema: { tags, security, summary: 'Lift a restriction: the terminal is active again, or provisioned if it was never activated', params: TerminalParams, response: { 200: TerminalReply, '4xx': Problem } } },
    async (request) => terminalJson(await opts.terminals.changeState(request.params.id, 'restore', request.ip)),
  );
  r.get(
    '/v1/admin/events',
    { schema: { tags, security, summary: 'Security events, newest first', querystring: ListEventsQuery, response: { 200: ListEventsReply, '4xx': Problem } } },
    async (request) => {
      const { terminalId, type, before } = request.query;
      const events = await opts.listEvents({ terminalId, type, before, limit: pageSize(request.query.limit) });
      return { events: events.map(eventJson) };
    },
  );
};
