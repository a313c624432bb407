// The terminal-facing update routes, public on purpose: GET /v1/updates/latest and
// GET /v1/updates/:version/file. A terminal whose image does not unseal on foreign hardware
// cannot log in at all, yet must still update; no session is needed because the terminal trusts
// no byte of the answer until the manifest verifies under the key in its OTP image and the
// file matches the manifest (docs/protocol.md, "Signed updates"; docs/security.md).
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { fromHex } from '../../protocol/bytes.ts';
import type { UpdateService } from '../services/updates/updateService.ts';
import { Problem } from './schemas.ts';
import { LatestUpdateQuery, LatestUpdateReply, UpdateVersionParams } from './updateSchemas.ts';

/** The file, streamed as is (Fastify sends streams without serializing them). */
const FileBody = Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'the update file' });

/** The single range of a `Range: bytes=a-b` / `bytes=a-` header within `size`, or undefined (serve it all). */
function parseByteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const m = header === undefined ? null : /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start < size && start <= end ? { start, end } : undefined;
}

/** Passes on the first `count` bytes of a chunk stream. */
async function* take(chunks: AsyncIterable<Uint8Array>, count: number): AsyncIterable<Uint8Array> {
  let left = count;
  if (left <= 0) return;
  for await (const c of chunks) {
    yield c.length <= left ? c : c.subarray(0, left);
    left -= c.length;
    if (left <= 0) return; // no query for a chunk past the range
  }
}

/** Public update routes for terminals, restricted ones included. */
export const updateRoutes: FastifyPluginAsync<{ updates: UpdateService }> = async (app, { updates }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['updates'];

  r.get(
    '/v1/updates/latest',
    {
      // Public on purpose: a terminal restricted at boot cannot unseal its key, so it has no session (docs/protocol.md §11).
      config: { access: 'public' },
      schema: { tags, security: [], summary: 'The newest signed update a terminal on `current` in `lot` may install (null if none); no session needed', querystring: LatestUpdateQuery, response: { 200: LatestUpdateReply, '4xx': Problem } },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-cache');
      const { current, lot } = request.query;
      return { update: (await updates.latest({ current, ...(lot === undefined ? {} : { lot }) })) ?? null };
    },
  );

  r.get(
    '/v1/updates/:version/file',
    {
      // Public on purpose: a terminal restricted at boot cannot unseal its key, so it has no session (docs/protocol.md §11).
      config: { access: 'public' },
      schema: { tags, security: [], summary: 'The update file (application/octet-stream; single byte ranges for resuming); no session needed', params: UpdateVersionParams, response: { 200: FileBody, 206: FileBody, '4xx': Problem } },
    },
    async (request, reply) => {
      const { update, read } = await updates.file(request.params.version);
      const { manifest } = update;
      const range = parseByteRange(request.headers.range, manifest.size);
      const start = range?.start ?? 0;
      const length = range ? range.end - start + 1 : manifest.size;
      void reply
        .type('application/octet-stream')
        .header('content-length', String(length))
        .header('accept-ranges', 'bytes')
        .header('etag', `"${manifest.sha256}"`)
        // A version's file never changes once published: caches and CDNs may keep it.
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('content-disposition', `attachment; filename="${manifest.fileName}"`)
        .header('repr-digest', `sha-256=:${Buffer.from(fromHex(manifest.sha256)).toString('base64')}:`); // RFC 9530 §3
      if (range) void reply.code(206).header('content-range', `bytes ${start}-${range.end}/${manifest.size}`);
      return reply.send(Readable.from(take(read(start), length), { objectMode: false }));
    },
  );
};
