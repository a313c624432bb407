// Signed updates over real HTTP, on the embedded backends and (when configured) on PostgreSQL
// and Redis: publish → sign → store; a terminal with no session (a restricted one booted on
// foreign hardware included) finds, verifies and downloads its update; another server
// process serves the same bytes; a man in the middle cannot downgrade or alter anything.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromBase64Url } from '../../src/protocol/bytes.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { SimulatedHardwareFingerprint } from '../../src/terminal/hardwareFingerprint.ts';
import { MemoryOtpStore } from '../../src/terminal/otpStore.ts';
import type { FetchLike } from '../../src/terminal/httpTransport.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { UpdateChecker } from '../../src/terminal/updates/updateChecker.ts';
import { bytesResponse, fileOf, interceptingFetch, jsonResponse, otpImageFor, publish, publishRaw, type SignedJson, strangerKey } from './updateKit.ts';
import { type Backend, sharedAvailable, startTestServer, type TestServer } from './testServer.ts';

const BIG = 600_000; // more than two stored chunks

for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`signed updates (${backend})`, { skip: backend === 'shared' && !sharedAvailable ? 'TESSERA_DATABASE_URL / TESSERA_REDIS_URL not set' : false }, () => {
    let server: TestServer;
    const signed = new Map<string, SignedJson>();
    const files = new Map<string, Uint8Array>();
    const checker = (lotId: string | undefined, extra: { fetch?: FetchLike; key?: Uint8Array } = {}) =>
      new UpdateChecker({ url: server.url, updatePublicKey: extra.key ?? server.config.updateKey.publicKey, lotId, primitives: nodePrimitives, ...(extra.fetch ? { fetch: extra.fetch } : {}) });

    before(async () => {
      server = await startTestServer({ backend });
      // 1.0.0 and 1.5.0 for everyone; 2.0.0 needs 1.5.0 first; 2.1.0 only for lot L-9.
      for (const [v, q] of [['1.0.0', {}], ['1.5.0', {}], ['2.0.0', { minVersion: '1.5.0' }], ['2.1.0', { lots: 'L-9' }]] as const) {
        files.set(v, fileOf(v === '1.5.0' ? BIG : 1000 + v.length, v.charCodeAt(0)));
        signed.set(v, await publish(server, v, files.get(v)!, q));
      }
    });
    after(() => server.close());

    test('publishing signs with the configured update key; the same version again is update.exists', async () => {
      const first = signed.get('1.0.0')!;
      assert.equal(first.manifest.size, files.get('1.0.0')!.length);
      const again = await publishRaw(server, '1.0.0', fileOf(10));
      assert.equal(again.status, 409);
      assert.equal(((await again.json()) as { code: string }).code, 'update.exists');
      const list = (await (await server.admin('GET', '/v1/admin/updates')).json()) as { updates: SignedJson[]; publicKey: string };
      assert.deepEqual(list.updates.map((u) => u.manifest.version), ['2.1.0', '2.0.0', '1.5.0', '1.0.0']);
      assert.deepEqual(fromBase64Url(list.publicKey), server.config.updateKey.publicKey);
      assert.deepEqual(list.updates.at(-1), first, 'the stored signature is the one made at publication');
    });

    test('a terminal with no session finds, verifies and downloads its update', async () => {
      const res = await fetch(`${server.url}/v1/updates/latest?current=1.0.0&lot=L-1`); // no Authorization, no Signature
      assert.equal(res.status, 200);
      const found = await checker('L-1').check('1.0.0');
      assert.equal(found.status, 'available');
      assert.ok(found.status === 'available');
      assert.equal(found.manifest.version, '1.5.0');
      let progress = 0;
      const file = await checker('L-1').download(found.manifest, (n) => (progress = n));
      assert.ok(file.ok);
      assert.deepEqual(file.bytes, files.get('1.5.0'));
      assert.equal(progress, BIG);
    });

    test('latest is the newest update this terminal may take: minimum versions are stepped through, lots respected', async () => {
      const latest = async (current: string, lot?: string) => {
        const r = await checker(lot).check(current);
        return r.status === 'available' ? r.manifest.version : r.status;
      };
      assert.equal(await latest('0.9.0', 'L-1'), '1.5.0', '2.0.0 needs 1.5.0 first');
      assert.equal(await latest('1.5.0', 'L-1'), '2.0.0');
      assert.equal(await latest('1.5.0', 'L-9'), '2.1.0');
      assert.equal(await latest('2.0.0', 'L-1'), 'up_to_date');
      assert.equal(await latest('2.0.0'), 'up_to_date', 'a terminal without a lot gets only updates for every lot');
      assert.equal(await latest('2.1.0', 'L-9'), 'up_to_date');
    });

    test('a restricted terminal (image booted on other hardware) checks and downloads through its update source', async () => {
      const image = otpImageFor(server, 'T-moved', 'L-9', 'board-A');
      const t = await TerminalClient.boot({ otpStore: new MemoryOtpStore(image), hardware: SimulatedHardwareFingerprint.fromSeed(nodePrimitives, 'board-B'), primitives: nodePrimitives });
      assert.equal(t.mode, 'restricted');
      await assert.rejects(t.login(), (e) => isTesseraError(e, 'terminal.restricted'));
      assert.ok(t.mode === 'restricted');
      const updates = new UpdateChecker(t.updateSource);
      const found = await updates.check('2.0.0');
      assert.ok(found.status === 'available', JSON.stringify(found));
      assert.equal(found.manifest.version, '2.1.0');
      const file = await updates.download(found.manifest);
      assert.ok(file.ok);
      assert.deepEqual(file.bytes, files.get('2.1.0'));
    });

    test('another server process on the same database serves the manifest and the file', async () => {
      const other = await startTestServer({ shareWith: server });
      try {
        const found = await new UpdateChecker({ url: other.url, updatePublicKey: server.config.updateKey.publicKey, lotId: 'L-1', primitives: nodePrimitives }).check('1.0.0');
        assert.ok(found.status === 'available');
        const res = await fetch(`${other.url}/v1/updates/1.5.0/file`);
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), files.get('1.5.0'));
      } finally {
        await other.close();
      }
    });

    test('a man in the middle cannot downgrade, alter or swap anything', async () => {
      const serve = (update: unknown) => interceptingFetch(/\/latest$/, async () => jsonResponse({ update }));
      const replay = serve(signed.get('1.0.0')); // genuinely signed, but older than what the terminal runs
      assert.deepEqual(pick(await checker('L-1', { fetch: replay }).check('1.5.0')), 'downgrade');
      assert.deepEqual(pick(await checker('L-1', { fetch: replay }).check('1.0.0')), 'same_version');
      const bigger = interceptingFetch(/\/latest$/, async (r) => {
        const body = (await r.json()) as { update: SignedJson };
        return jsonResponse({ update: { ...body.update, manifest: { ...body.update.manifest, size: body.update.manifest.size + 1 } } });
      });
      assert.equal(pick(await checker('L-1', { fetch: bigger }).check('1.0.0')), 'bad_signature');
      const forL9 = signed.get('2.1.0')!;
      assert.equal(pick(await checker('L-1', { fetch: serve(forL9) }).check('2.0.0')), 'not_for_lot', '2.1.0 is signed for L-9 only');
      assert.equal(pick(await checker('L-1', { fetch: serve({ ...forL9, manifest: { ...forL9.manifest, lots: [] } }) }).check('2.0.0')), 'bad_signature', 'widening the rollout breaks the signature');
      assert.equal(pick(await checker('L-1', { fetch: serve(signed.get('2.0.0')) }).check('1.0.0')), 'below_min_version', '2.0.0 needs 1.5.0 first');
      assert.equal(pick(await checker('L-1', { fetch: serve({ manifest: signed.get('2.0.0')!.manifest, signature: signed.get('1.5.0')!.signature }) }).check('1.5.0')), 'bad_signature', 'a signature moved to another manifest');
      assert.equal(pick(await checker('L-1', { key: fromBase64Url(strangerKey()) }).check('1.0.0')), 'bad_signature', 'signed by another key than the OTP image holds');

      const found = await checker('L-1').check('1.0.0');
      assert.ok(found.status === 'available');
      const genuine = files.get('1.5.0')!;
      const flipped = genuine.slice();
      flipped[BIG - 3]! ^= 0x20;
      const cases: Array<[Uint8Array, string]> = [
        [flipped, 'hash_mismatch'],
        [genuine.subarray(0, BIG - 1), 'size_mismatch'],
        [new Uint8Array([...genuine, 0]), 'size_mismatch'],
      ];
      for (const [bytes, reason] of cases) {
        const file = await checker('L-1', { fetch: interceptingFetch(/\/file$/, async () => bytesResponse(bytes)) }).download(found.manifest);
        assert.equal(file.ok ? 'ok' : file.reason, reason);
      }
      // A server that streams on and on is cut off after size + 1 bytes, not read into memory.
      const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(65536)) });
      const flood = await checker('L-1', { fetch: interceptingFetch(/\/file$/, async () => new Response(endless, { status: 200 })) }).download(found.manifest);
      assert.equal(flood.ok ? 'ok' : flood.reason, 'size_mismatch');
    });

    test('file downloads resume with a byte range; an unknown version is update.not_found', async () => {
      const part = await fetch(`${server.url}/v1/updates/1.5.0/file`, { headers: { range: 'bytes=300000-' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 300000-${BIG - 1}/${BIG}`);
      assert.deepEqual(new Uint8Array(await part.arrayBuffer()), files.get('1.5.0')!.subarray(300000));
      const mid = await fetch(`${server.url}/v1/updates/1.5.0/file`, { headers: { range: 'bytes=262140-262150' } });
      assert.deepEqual(new Uint8Array(await mid.arrayBuffer()), files.get('1.5.0')!.subarray(262140, 262151));
      const whole = await fetch(`${server.url}/v1/updates/1.5.0/file`, { headers: { range: `bytes=${BIG}-` } });
      assert.equal(whole.status, 200, 'an unsatisfiable range is ignored: the whole file');
      assert.equal(whole.headers.get('etag'), `"${(await checker('L-1').check('1.0.0') as { manifest: { sha256: string } }).manifest.sha256}"`);
      await whole.arrayBuffer();
      const missing = await fetch(`${server.url}/v1/updates/9.9.9/file`);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { code: string }).code, 'update.not_found');
      await assert.rejects(checker('L-1').download({ ...signed.get('1.0.0')!.manifest, version: '9.9.9' }), (e) => isTesseraError(e, 'update.not_found'));
    });
  });
}

function pick(r: { status: string; reason?: string }): string {
  return r.status === 'refused' ? r.reason! : r.status;
}
