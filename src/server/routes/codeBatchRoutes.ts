// The activation-code admin API (bearer admin token): POST /v1/admin/code-batches (issue; the
// reply is the only time the codes are shown), GET /v1/admin/code-batches (counts by status,
// never codes), GET /v1/admin/code-batches/:batch, GET …/:batch/redemptions (which terminal
// spent a code, and when), POST /v1/admin/code-batches/:batch/revoke.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { adminScope } from '../http/adminAuth.ts';
import type { CodeBatchService } from '../services/activation/codeBatchService.ts';
import type { CodeBatchSummary } from '../store/types.ts';
import { BatchParams, BatchReply, IssueBatchBody, IssueBatchReply, ListBatchesQuery, ListBatchesReply, ListRedemptionsQuery, ListRedemptionsReply, RevokeBatchReply } from './activationSchemas.ts';
import { Problem } from './schemas.ts';
import { nextCursor, pageSize } from './paging.ts';

const batchJson = (b: CodeBatchSummary) => ({
  ...b,
  expiresAt: b.expiresAt.toISOString(),
  createdAt: b.createdAt.toISOString(),
  revokedAt: b.revokedAt ? b.revokedAt.toISOString() : null,
});

/** Admin routes of activation-code batches. */
export const codeBatchRoutes: FastifyPluginAsync<{ batches: CodeBatchService; adminToken: string }> = async (app, { batches, adminToken }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { tags, security } = adminScope(app, adminToken);

  r.post(
    '/v1/admin/code-batches',
    { schema: { tags, security, summary: 'Issue a batch of activation codes; the reply holds the codes, shown once', body: IssueBatchBody, response: { 201: IssueBatchReply, '4xx': Problem } } },
    async (request, reply) => {
      const out = await batches.issue(request.body, request.ip);
      return reply.code(201).send({ batch: batchJson(out.batch), codes: out.codes });
    },
  );
  r.get(
    '/v1/admin/code-batches',
    { schema: { tags, security, summary: 'Code batches by name, with their codes counted by status', querystring: ListBatchesQuery, response: { 200: ListBatchesReply, '4xx': Problem } } },
    async (request) => {
      const limit = pageSize(request.query.limit);
      const list = await batches.list({ limit, ...(request.query.after ? { after: request.query.after } : {}) });
      return { batches: list.map(batchJson), next: nextCursor(list, limit, (b) => b.id) };
    },
  );
  r.get(
    '/v1/admin/code-batches/:batch',
    { schema: { tags, security, summary: 'One code batch with its counts by status', params: BatchParams, response: { 200: BatchReply, '4xx': Problem } } },
    async (request) => batchJson(await batches.show(request.params.batch)),
  );
  r.get(
    '/v1/admin/code-batches/:batch/redemptions',
    { schema: { tags, security, summary: 'Who spent the batch\'s codes, and when, by terminal id (never a code)', params: BatchParams, querystring: ListRedemptionsQuery, response: { 200: ListRedemptionsReply, '4xx': Problem } } },
    async (request) => {
      const limit = pageSize(request.query.limit);
      const list = await batches.redemptions(request.params.batch, { limit, ...(request.query.after ? { after: request.query.after } : {}) });
      return { redemptions: list.map((x) => ({ terminalId: x.terminalId, usedAt: x.usedAt.toISOString() })), next: nextCursor(list, limit, (x) => x.terminalId) };
    },
  );
  r.post(
    '/v1/admin/code-batches/:batch/revoke',
    { schema: { tags, security, summary: 'Revoke every unused code of a batch', params: BatchParams, response: { 200: RevokeBatchReply, '4xx': Problem } } },
    async (request) => {
      const out = await batches.revoke(request.params.batch, request.ip);
      return { batch: batchJson(out.batch), revoked: out.revoked };
    },
  );
};
