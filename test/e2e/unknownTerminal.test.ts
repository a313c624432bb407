// An unknown terminal id must look exactly like a known terminal with a wrong proof: the
// same hello answer shape (a challenge with a well-formed server proof), the same refusal at
// finish, and the same server time class. Only the event log tells them apart.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { fromBase64Url, toBase64Url } from '../../src/protocol/bytes.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { type Answer, assertProblem, BACKENDS, challengeFor, failureReasons, postJson, sendHello, sessionsCreated } from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const SAMPLES = 200;
const WARMUP = 20;
/** Headers that differ per response by nature. */
const PER_RESPONSE_HEADERS = new Set(['date', 'content-length', 'keep-alive', 'connection']);

function headerShape(answer: Answer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of answer.headers) if (!PER_RESPONSE_HEADERS.has(name)) out[name] = value;
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A random proof of the same length and alphabet as a genuine hmac-sha256 proof. */
const wrongProof = () => toBase64Url(p.randomBytes(32));

for (const { backend, skip } of BACKENDS) {
  describe(`an unknown terminal is indistinguishable from a wrong proof (${backend})`, () => {
    let server: TestServer;
    let url: string;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend });
      url = server.url;
    });
    after(() => server?.close());

    test('hello for an unknown id answers a challenge of the same shape as for a known one', { skip }, async () => {
      const known = await server.addTerminal(`T-known-shape-${backend}`);
      const unknown = { ...known, terminalId: `T-nobody-shape-${backend}` };
      const a = await sendHello(url, known);
      const b = await sendHello(url, unknown);
      assert.equal(a.answer.status, 200);
      assert.equal(b.answer.status, 200);
      assert.deepEqual(headerShape(b.answer), headerShape(a.answer));
      assert.deepEqual(Object.keys(b.answer.json).sort(), Object.keys(a.answer.json).sort());
      for (const { answer } of [a, b]) {
        const c = answer.json;
        assert.equal(c.suite, 'hmac-sha256');
        assert.equal(fromBase64Url(c.challengeId).length, 16);
        assert.equal(fromBase64Url(c.nonceS).length, 32);
        assert.equal(fromBase64Url(c.serverProof).length, 32, 'a well-formed hmac-sha256 proof');
        assert.equal(new Date(c.expiresAt).toISOString(), c.expiresAt);
      }
      assert.notEqual(b.answer.json.serverProof, a.answer.json.serverProof);
    });

    test('finish refuses an unknown id, a wrong proof and a revoked terminal with the same answer; the event log tells them apart', { skip }, async () => {
      const known = await server.addTerminal(`T-known-${backend}`);
      const revoked = await server.addTerminal(`T-revoked-${backend}`);
      assert.equal((await server.admin('POST', `/v1/admin/terminals/${revoked.terminalId}/revoke`)).status, 200);
      const unknownId = `T-nobody-${backend}`;
      const sessionsBefore = await sessionsCreated(server.admin);

      const wrong = await challengeFor(url, known);
      const badProof = await postJson(url, '/v1/auth/finish', { challengeId: wrong.challenge.challengeId, terminalProof: wrongProof() });
      const nobody = await sendHello(url, { ...known, terminalId: unknownId });
      const unknownAnswer = await postJson(url, '/v1/auth/finish', { challengeId: nobody.challenge!.challengeId, terminalProof: wrongProof() });
      const gone = await challengeFor(url, revoked);
      const revokedAnswer = await postJson(url, '/v1/auth/finish', gone.finish);

      for (const [name, answer] of [['wrong proof', badProof], ['unknown terminal', unknownAnswer], ['revoked terminal', revokedAnswer]] as const) {
        assertProblem(answer, 401, 'auth.refused', name);
      }
      assert.equal(unknownAnswer.text, badProof.text, 'byte-identical bodies');
      assert.equal(revokedAnswer.text, badProof.text, 'byte-identical bodies');
      assert.deepEqual(headerShape(unknownAnswer), headerShape(badProof));
      assert.deepEqual(headerShape(revokedAnswer), headerShape(badProof));
      assert.equal((await sessionsCreated(server.admin)) - sessionsBefore, 0);

      assert.deepEqual(await failureReasons(server.admin, known.terminalId), ['bad_proof']);
      assert.deepEqual(await failureReasons(server.admin, unknownId), ['unknown_terminal']);
      assert.deepEqual(await failureReasons(server.admin, revoked.terminalId), ['revoked']);
    });

    test(`server time of hello and finish is in the same class for unknown ids and wrong proofs (${SAMPLES} each, interleaved)`, { skip }, async (t) => {
      const known = await server.addTerminal(`T-timing-${backend}`);
      const samples: Record<string, number[]> = { 'hello:known': [], 'hello:unknown': [], 'finish:known': [], 'finish:unknown': [] };
      let recording = false;
      const onRequest = (req: IncomingMessage, res: ServerResponse) => {
        const label = req.headers['x-probe'];
        if (typeof label !== 'string' || !recording) return;
        const t0 = process.hrtime.bigint();
        res.once('finish', () => samples[label]!.push(Number(process.hrtime.bigint() - t0) / 1e6));
      };
      server.app.server.on('request', onRequest);
      try {
        const attempt = async (kind: 'known' | 'unknown', i: number) => {
          const credential = kind === 'known' ? known : { ...known, terminalId: `T-nobody-timing-${backend}-${i}` };
          const hello = await postJson(url, '/v1/auth/hello', sendableHello(credential.terminalId), { 'x-probe': `hello:${kind}` });
          assert.equal(hello.status, 200);
          const finish = await postJson(url, '/v1/auth/finish', { challengeId: hello.json.challengeId, terminalProof: wrongProof() }, { 'x-probe': `finish:${kind}` });
          assertProblem(finish, 401, 'auth.refused', kind);
        };
        for (let i = 0; i < WARMUP + SAMPLES; i++) {
          recording = i >= WARMUP;
          // alternate which goes first so neither kind always runs on a warmer path
          const order = i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
          for (const kind of order) await attempt(kind, i);
        }
      } finally {
        server.app.server.off('request', onRequest);
      }
      for (const step of ['hello', 'finish']) {
        const k = median(samples[`${step}:known`]!);
        const u = median(samples[`${step}:unknown`]!);
        assert.equal(samples[`${step}:known`]!.length, SAMPLES);
        const ratio = u / k;
        t.diagnostic(`${step}: median server time unknown ${u.toFixed(3)} ms, wrong proof ${k.toFixed(3)} ms, ratio ${ratio.toFixed(2)}`);
        assert.ok(ratio > 0.5 && ratio < 2, `${step}: median unknown ${u.toFixed(3)} ms vs known ${k.toFixed(3)} ms (ratio ${ratio.toFixed(2)})`);
      }
      const reasons = await failureReasons(server.admin, known.terminalId);
      assert.equal(reasons.length, WARMUP + SAMPLES);
      assert.ok(reasons.every((r) => r === 'bad_proof'));
    });
  });
}

/** A fresh hello body for any terminal id (the key is not needed to start a handshake). */
function sendableHello(terminalId: string): { terminalId: string; kid: number; nonceT: string; suites: string[] } {
  return { terminalId, kid: 1, nonceT: toBase64Url(p.randomBytes(32)), suites: ['hmac-sha256', 'hmac-sm3'] };
}
