// The update admin API (bearer admin token): POST /v1/admin/updates publishes a file, sent as
// the raw `application/octet-stream` body with the manifest fields in the query, and
// GET /v1/admin/updates lists what is published. This plugin is the only place the API takes
// a body that is not JSON or larger than TESSERA_BODY_LIMIT_BYTES: its content-type parsers
// are its own (Fastify encapsulation), so no other route accepts octet-stream.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { toBase64Url } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { adminScope } from '../http/adminAuth.ts';
import type { UpdateService } from '../services/updates/updateService.ts';
import { Problem } from './schemas.ts';
import { ListUpdatesQuery, ListUpdatesReply, PublishUpdateQuery, PublishUpdateReply } from './updateSchemas.ts';
import { nextCursor, pageSize } from './paging.ts';

/** Options of the update admin routes. */
export interface UpdateAdminRouteOptions {
  updates: UpdateService;
  adminToken: string;
  /** Raw 32-byte update public key, echoed so operators can compare it with their OTP images. */
  publicKey: Uint8Array;
  /** Largest accepted file (TESSERA_UPDATE_MAX_BYTES). */
  maxBytes: number;
}

/** Admin routes of signed updates. */
export const updateAdminRoutes: FastifyPluginAsync<UpdateAdminRouteOptions> = async (app, opts) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  // the token is checked on onRequest, before a single byte of a (large) body is read
  const { tags, security } = adminScope(app, opts.adminToken);
  const publicKey = toBase64Url(opts.publicKey);
  // In this plugin only: the raw file, and nothing else (JSON or text here is a 415).
  r.removeAllContentTypeParsers();
  r.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: opts.maxBytes }, (_request, body, done) => done(null, body));

  r.post(
    '/v1/admin/updates',
    {
      bodyLimit: opts.maxBytes,
      schema: {
        tags,
        security,
        summary: 'Publish an update: the body is the file (application/octet-stream); the server signs the manifest with its update key',
        querystring: PublishUpdateQuery,
        response: { 201: PublishUpdateReply, '4xx': Problem },
      },
    },
    async (request, reply) => {
      const file = request.body;
      if (!Buffer.isBuffer(file)) throw new TesseraError('input.unsupported_media_type', 'send the update file as application/octet-stream');
      const { version, fileName, minVersion, lots } = request.query;
      const out = await opts.updates.publish(
        { version, fileName, ...(minVersion === undefined ? {} : { minVersion }), ...(lots === undefined ? {} : { lots: lots.split(',') }) },
        new Uint8Array(file.buffer, file.byteOffset, file.byteLength),
        request.ip,
      );
      return reply.code(201).send({ ...out.update, unknownLots: out.unknownLots, publicKey });
    },
  );

  r.get(
    '/v1/admin/updates',
    { schema: { tags, security, summary: 'Published updates, newest version first', querystring: ListUpdatesQuery, response: { 200: ListUpdatesReply, '4xx': Problem } } },
    async (request) => {
      const limit = pageSize(request.query.limit);
      const list = await opts.updates.list({ limit, ...(request.query.before === undefined ? {} : { below: request.query.before }) });
      return { updates: list, next: nextCursor(list, limit, (u) => u.manifest.version), publicKey };
    },
  );
};
