// The server's confirmation of its finish answer (docs/protocol.md §4.9), in every suite
// family: the terminal accepts the genuine answer, refuses any change to the session id,
// expiry or capabilities, a missing confirmation, and a confirmation made for another
// handshake or without the terminal's key (another handshake, a forged key, an edited OCRA offered list).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { checkServerConfirm, finishConfirmTranscript } from '../../src/protocol/handshake/finishConfirmation.ts';
import { type FinishResponse, parseFinishResponse } from '../../src/protocol/handshake/messages.ts';
import { checkTerminalProof, chooseSuite, confirmFinish, issueChallenge } from '../../src/protocol/handshake/serverHandshake.ts';
import { answerChallenge, beginHandshake, type TerminalIdentity } from '../../src/protocol/handshake/terminalHandshake.ts';
import { deriveTerminalKey } from '../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { parseTranscript } from '../../src/protocol/transcript.ts';

const serverId = 'tessera-test';
const master = new Uint8Array(32).fill(7);
const OCRA = 'OCRA-1:HOTP-SHA256-8:QH64';
const OCRA_OTHER = 'OCRA-1:HOTP-SHA512-8:QN64';
const SUITES = ['hmac-sha256', 'hmac-sm3', OCRA];
const GRANT = { sessionId: toBase64Url(new Uint8Array(16).fill(1)), expiresAt: '2025-01-01T00:15:00.000Z', capabilities: ['session', 'update'] };

const notGenuine = (err: unknown) => isTesseraError(err, 'auth.server_not_genuine');
const refused = (err: unknown) => notGenuine(err) || isTesseraError(err, 'client.bad_response');

function identity(terminalId = 'T-1'): TerminalIdentity {
  return { terminalId, kid: 1, key: deriveTerminalKey(p, master, terminalId), serverId };
}

/** One handshake through the pure steps: the terminal's confirm key and the server's record. */
function handshake(offered: string[], options: { serverKey?: Uint8Array; serverOffered?: string[] } = {}) {
  const id = identity();
  const { hello, pending } = beginHandshake(p, id, offered);
  const seen = options.serverOffered ?? hello.suites;
  const suite = chooseSuite(seen, seen, seen)!;
  const serverKey = options.serverKey ?? id.key;
  const { record, response } = issueChallenge(p, { serverId, terminalId: id.terminalId, kid: 1, lotId: null, offered: seen, nonceT: hello.nonceT, suite, terminalKey: serverKey, now: 0, ttlMs: 30_000 });
  return { id, record, response, serverKey, answered: () => answerChallenge(p, pending, response) };
}

/** The answer as it crosses the wire (JSON text), parsed by the terminal. */
const overTheWire = (answer: unknown) => parseFinishResponse(JSON.parse(JSON.stringify(answer)));

for (const suiteName of SUITES) {
  test(`${suiteName}: the terminal accepts the server's confirmed finish answer`, () => {
    const h = handshake([suiteName]);
    const { finish, confirmKey } = h.answered();
    assert.ok(checkTerminalProof(p, serverId, h.record, h.id.key, finish.terminalProof));
    const answer = confirmFinish(p, serverId, h.record, h.id.key, GRANT);
    assert.deepEqual({ ...answer, serverConfirm: undefined }, { ...GRANT, serverConfirm: undefined });
    assert.match(answer.serverConfirm, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(checkServerConfirm(p, confirmKey, overTheWire(answer)), answer);
  });

  test(`${suiteName}: property: any flipped character of the finish answer is refused`, () => {
    const h = handshake([suiteName]);
    const { confirmKey } = h.answered();
    const answer = confirmFinish(p, serverId, h.record, h.id.key, GRANT);
    fc.assert(
      fc.property(fc.constantFrom('sessionId', 'expiresAt', 'capabilities', 'serverConfirm'), fc.nat(), fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), (member, pick, pos, ch) => {
        const flip = (s: string) => {
          const chars = [...s];
          const i = pos % chars.length;
          chars[i] = chars[i] === ch ? (ch === 'A' ? 'B' : 'A') : ch;
          return chars.join('');
        };
        let changed: Record<string, unknown>;
        if (member === 'capabilities') {
          const caps = [...answer.capabilities];
          const i = pick % caps.length;
          caps[i] = flip(caps[i]!);
          changed = { ...answer, capabilities: caps };
        } else {
          changed = { ...answer, [member]: flip(answer[member]) };
        }
        assert.throws(() => checkServerConfirm(p, confirmKey, overTheWire(changed)), refused, JSON.stringify(changed));
      }),
      { numRuns: 200 },
    );
  });

  test(`${suiteName}: a missing, reordered, added or removed capability, or no confirmation, is refused`, () => {
    const h = handshake([suiteName]);
    const { confirmKey } = h.answered();
    const answer = confirmFinish(p, serverId, h.record, h.id.key, { ...GRANT, capabilities: ['session', 'activate', 'update'] });
    for (const capabilities of [['session', 'update'], ['update', 'activate', 'session'], ['session', 'activate', 'update', 'admin'], [], ['sessionactivate', 'update']]) {
      assert.throws(() => checkServerConfirm(p, confirmKey, overTheWire({ ...answer, capabilities })), notGenuine, capabilities.join(','));
    }
    const { serverConfirm: _c, ...unconfirmed } = answer;
    assert.throws(() => overTheWire(unconfirmed), notGenuine);
    for (const serverConfirm of ['', 42, null]) assert.throws(() => overTheWire({ ...answer, serverConfirm }), (e) => isTesseraError(e, 'client.bad_response'));
  });

  test(`${suiteName}: a confirmation made for another handshake, or without the terminal's key, is refused`, () => {
    const mine = handshake([suiteName]);
    const { confirmKey } = mine.answered();
    const other = handshake([suiteName]);
    const replayed = confirmFinish(p, serverId, other.record, other.id.key, GRANT);
    assert.throws(() => checkServerConfirm(p, confirmKey, overTheWire(replayed)), notGenuine);
    const forged = confirmFinish(p, serverId, mine.record, p.randomBytes(32), GRANT);
    assert.throws(() => checkServerConfirm(p, confirmKey, overTheWire(forged)), notGenuine);
  });
}

test('OCRA: an offered list edited between two OCRA suites passes both proofs but not the finish confirmation', () => {
  // RFC 6287 responses cover only the questions (docs/protocol.md §5.6); the handshake hash covers the list.
  const h = handshake([OCRA, OCRA_OTHER], { serverOffered: [OCRA] });
  assert.equal(h.response.suite, OCRA);
  const { finish, confirmKey } = h.answered();
  assert.ok(checkTerminalProof(p, serverId, h.record, h.id.key, finish.terminalProof), 'the OCRA proofs do not see the edit');
  const answer = confirmFinish(p, serverId, h.record, h.id.key, GRANT);
  assert.throws(() => checkServerConfirm(p, confirmKey, overTheWire(answer)), notGenuine);
});

test('the confirmation transcript: label, handshake hash, session id, expiry as sent, capabilities as one length-prefixed list', () => {
  const answer: FinishResponse = { ...GRANT, serverConfirm: '' };
  const handshakeHash = new Uint8Array(32).fill(9);
  const { label, fields } = parseTranscript(finishConfirmTranscript(handshakeHash, answer));
  assert.equal(label, 'tessera/1/finish-confirm');
  assert.deepEqual(
    fields.map((f) => Buffer.from(f).toString('hex')),
    ['09'.repeat(32), Buffer.from(GRANT.sessionId).toString('hex'), Buffer.from(GRANT.expiresAt).toString('hex'), '000773657373696f6e0006757064617465'],
  );
  assert.equal(parseTranscript(finishConfirmTranscript(handshakeHash, { ...answer, capabilities: [] })).fields[3]!.length, 0);
});

test('the terminal parser bounds the capabilities so the transcript always encodes', () => {
  const base = { ...GRANT, serverConfirm: 'x' };
  for (const capabilities of [Array.from({ length: 33 }, (_, i) => `c${i}`), ['x'.repeat(65)], [''], ['ok', 7]]) {
    assert.throws(() => parseFinishResponse({ ...base, capabilities }), (e) => isTesseraError(e, 'client.bad_response'));
  }
  assert.equal(parseFinishResponse({ ...base, capabilities: Array.from({ length: 32 }, () => 'x'.repeat(64)) }).capabilities.length, 32);
});
