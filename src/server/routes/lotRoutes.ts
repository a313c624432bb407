// The lot admin API (bearer admin token): POST /v1/admin/lots (the station file, shown once),
// GET /v1/admin/lots, GET /v1/admin/lots/:id, POST /v1/admin/lots/:id/import (one bundle block).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { adminScope } from '../http/adminAuth.ts';
import type { LotService } from '../services/factory/lotService.ts';
import type { LotRecord } from '../store/types.ts';
import type { AdminRouteOptions } from './adminRoutes.ts';
import { CreateLotBody, CreateLotReply, IMPORT_BODY_LIMIT, ImportBlockBody, ImportBlockReply, ListLotsQuery, ListLotsReply, LotParams, LotReply } from './lotSchemas.ts';
import { Problem } from './schemas.ts';
import { nextCursor, pageSize } from './paging.ts';

const lotJson = (l: LotRecord) => ({ ...l, createdAt: l.createdAt.toISOString() });

/** Options of the lot routes. */
export interface LotRouteOptions {
  lots: LotService;
  adminToken: string;
  publicUrl: AdminRouteOptions['publicUrl'];
}

/** Admin routes of production lots. */
export const lotRoutes: FastifyPluginAsync<LotRouteOptions> = async (app, opts) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { tags, security } = adminScope(app, opts.adminToken);

  r.post(
    '/v1/admin/lots',
    { schema: { tags, security, summary: 'Create a production lot; the reply holds its station file (with the lot key), shown once', body: CreateLotBody, response: { 201: CreateLotReply, '4xx': Problem } } },
    async (request, reply) => {
      const out = await opts.lots.create(request.body, request.ip, opts.publicUrl(request));
      return reply.code(201).send({ lot: lotJson(out.lot), station: out.station });
    },
  );
  r.get(
    '/v1/admin/lots',
    { schema: { tags, security, summary: 'List lots by id', querystring: ListLotsQuery, response: { 200: ListLotsReply, '4xx': Problem } } },
    async (request) => {
      const limit = pageSize(request.query.limit);
      const list = await opts.lots.list({ limit, after: request.query.after });
      return { lots: list.map(lotJson), next: nextCursor(list, limit, (l) => l.id) };
    },
  );
  r.get(
    '/v1/admin/lots/:id',
    { schema: { tags, security, summary: 'Show a lot (never its key)', params: LotParams, response: { 200: LotReply, '4xx': Problem } } },
    async (request) => lotJson(await opts.lots.show(request.params.id)),
  );
  r.post(
    '/v1/admin/lots/:id/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'Import one block of a lot\'s factory bundle (checked against the lot key); existing terminals are skipped',
        params: LotParams,
        body: ImportBlockBody,
        response: { 200: ImportBlockReply, '4xx': Problem },
      },
    },
    async (request) => {
      const counts = await opts.lots.importBlock(request.params.id, request.body, request.ip);
      return { lotId: request.params.id, block: request.body.block, ...counts };
    },
  );
};
