// The binding admin API (bearer admin token): GET /v1/admin/bindings (by terminal, app,
// status or phone number), GET /v1/admin/bindings/:id, POST …/:id/suspend, POST …/:id/release.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { adminScope } from '../http/adminAuth.ts';
import type { BindingServices } from '../services/binding/bindingServices.ts';
import { BindingParams, BindingReply, ListBindingsQuery, ListBindingsReply } from './bindingSchemas.ts';
import { Problem } from './schemas.ts';
import { nextCursor, pageSize } from './paging.ts';

/** Admin routes of bindings. */
export const bindingAdminRoutes: FastifyPluginAsync<{ bindings: BindingServices; adminToken: string }> = async (app, { bindings, adminToken }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { tags, security } = adminScope(app, adminToken);

  r.get(
    '/v1/admin/bindings',
    { schema: { tags, security, summary: 'Bindings, newest first; `msisdn` finds a number\'s bindings through its keyed hashes', querystring: ListBindingsQuery, response: { 200: ListBindingsReply, '4xx': Problem } } },
    async (request) => {
      const limit = pageSize(request.query.limit);
      const list = await bindings.admin.list({ ...request.query, limit });
      return { bindings: list, next: nextCursor(list, limit, (b) => b.id) };
    },
  );
  r.get(
    '/v1/admin/bindings/:id',
    { schema: { tags, security, summary: 'Show a binding', params: BindingParams, response: { 200: BindingReply, '4xx': Problem } } },
    (request) => bindings.admin.show(request.params.id),
  );
  r.post(
    '/v1/admin/bindings/:id/suspend',
    { schema: { tags, security, summary: 'Suspend an active binding: sensitive calls are refused until the user binds again', params: BindingParams, response: { 200: BindingReply, '4xx': Problem } } },
    (request) => bindings.admin.suspend(request.params.id, request.ip),
  );
  r.post(
    '/v1/admin/bindings/:id/release',
    { schema: { tags, security, summary: 'End a binding (the number is free to bind elsewhere)', params: BindingParams, response: { 200: BindingReply, '4xx': Problem } } },
    (request) => bindings.admin.release(request.params.id, request.ip),
  );
};
