// The handshake's pure steps for every suite family: both sides agree on one session key,
// each proof is bound to its direction, and tampering or downgrade is caught.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url } from '../../src/protocol/bytes.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { type ChallengeRecord, checkTerminalProof, chooseSuite, issueChallenge, serverSessionKey } from '../../src/protocol/handshake/serverHandshake.ts';
import { getHandshakeSuite } from '../../src/protocol/handshake/suites.ts';
import { answerChallenge, beginHandshake, type TerminalIdentity } from '../../src/protocol/handshake/terminalHandshake.ts';
import { deriveTerminalKey } from '../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';

const master = new Uint8Array(32).fill(9);
const serverId = 'tessera-test';
const OCRA = 'OCRA-1:HOTP-SHA256-8:QH64';

function identity(terminalId: string): TerminalIdentity {
  return { terminalId, kid: 1, key: deriveTerminalKey(p, master, terminalId), serverId };
}

function run(terminalId: string, offered: string[], allowed = ['hmac-sha256', 'hmac-sm3', OCRA]) {
  const id = identity(terminalId);
  const { hello, pending } = beginHandshake(p, id, offered);
  const suite = chooseSuite(hello.suites, hello.suites, allowed)!; // as the server calls it: the offer's order decides
  const { record, response } = issueChallenge(p, { serverId, terminalId, kid: 1, offered: hello.suites, nonceT: hello.nonceT, suite, terminalKey: id.key, lotId: null, now: 0, ttlMs: 30000 });
  return { id, hello, pending, record, response };
}

for (const suites of [['hmac-sha256'], ['hmac-sm3'], [OCRA]]) {
  test(`${suites[0]}: both sides derive the same session key`, () => {
    const { id, pending, record, response } = run('T-1', suites);
    assert.equal(response.suite, suites[0]);
    const { finish, sessionKey } = answerChallenge(p, pending, response);
    const checked = checkTerminalProof(p, serverId, record, id.key, finish.terminalProof);
    assert.ok(checked);
    assert.deepEqual(serverSessionKey(p, serverId, record, id.key), sessionKey);
    if (suites[0] === OCRA) assert.match(response.serverProof, /^\d{8}$/);
    else assert.equal(fromBase64Url(response.serverProof).length, 32);
  });

  test(`${suites[0]}: a server proof reflected as the terminal proof is refused`, () => {
    const { id, record, response } = run('T-1', suites);
    assert.equal(checkTerminalProof(p, serverId, record, id.key, response.serverProof), false);
  });

  test(`${suites[0]}: a server without the terminal's key is detected`, () => {
    const { pending, hello, record } = run('T-1', suites);
    const suite = getHandshakeSuite(suites[0]!)!;
    const fake = issueChallenge(p, { serverId, terminalId: 'T-1', kid: 1, offered: hello.suites, nonceT: hello.nonceT, suite, terminalKey: p.randomBytes(32), lotId: null, now: 0, ttlMs: 1 });
    assert.ok(record);
    assert.throws(() => answerChallenge(p, pending, fake.response), (e) => isTesseraError(e, 'auth.server_not_genuine'));
  });
}

test('a challenge is only issued for a nonceT of exactly 32 bytes', () => {
  const suite = getHandshakeSuite('hmac-sha256')!;
  const issue = (nonceT: string) => issueChallenge(p, { serverId, terminalId: 'T-1', kid: 1, lotId: null, offered: ['hmac-sha256'], nonceT, suite, terminalKey: identity('T-1').key, now: 0, ttlMs: 1 });
  for (const bad of [toBase64Url(new Uint8Array(31)), toBase64Url(new Uint8Array(33)), toBase64Url(new Uint8Array(16)), 'not base64url!']) {
    assert.throws(() => issue(bad), (e) => isTesseraError(e, 'input.invalid_encoding'), bad);
  }
  assert.equal(issue(toBase64Url(new Uint8Array(32))).record.nonceT, toBase64Url(new Uint8Array(32)));
});

for (const suiteName of ['hmac-sha256', OCRA]) {
  test(`hardware evidence enters the transcript only as a 16-byte salt and a 32-byte MAC, checked at hello (${suiteName})`, () => {
    const suite = getHandshakeSuite(suiteName)!;
    const issue = (evidence: { salt: string; mac: string }) =>
      issueChallenge(p, { serverId, terminalId: 'T-1', kid: 1, lotId: null, offered: [suiteName], nonceT: toBase64Url(new Uint8Array(32)), suite, terminalKey: identity('T-1').key, now: 0, ttlMs: 1, evidence });
    const b = (n: number) => toBase64Url(new Uint8Array(n));
    // 17 + 31 bytes would give the same 48 transcript bytes as 16 + 32 without the check; the
    // last salt is 22 characters with non-zero trailing bits. An OCRA proof never encodes the
    // evidence, so its hello once accepted all of these and left them to fail at finish.
    for (const [salt, mac] of [[b(17), b(31)], [b(15), b(32)], [b(16), b(33)], ['!', b(32)], [`${'A'.repeat(21)}B`, b(32)]] as const) {
      assert.throws(() => issue({ salt, mac }), (e) => isTesseraError(e, 'input.invalid_encoding'), `${salt} / ${mac}`);
    }
    assert.ok(issue({ salt: b(16), mac: b(32) }).response.serverProof);
  });
}

test('a proof made for one terminal does not verify for another', () => {
  const a = run('T-A', ['hmac-sha256']);
  const b = run('T-B', ['hmac-sha256']);
  const { finish } = answerChallenge(p, a.pending, a.response);
  const forB: ChallengeRecord = { ...b.record, challengeId: a.record.challengeId };
  assert.equal(checkTerminalProof(p, serverId, forB, b.id.key, finish.terminalProof), false);
});

test('suite choice follows the preference list, MAC before OCRA, within the allowed list', () => {
  assert.equal(chooseSuite(['hmac-sm3', 'hmac-sha256'], ['hmac-sha256', 'hmac-sm3'], ['hmac-sha256', 'hmac-sm3'])?.name, 'hmac-sha256');
  assert.equal(chooseSuite([OCRA, 'hmac-sm3'], [OCRA, 'hmac-sm3'], [OCRA, 'hmac-sm3'])?.name, 'hmac-sm3');
  assert.equal(chooseSuite(['hmac-sha256'], ['hmac-sm3'], ['hmac-sm3']), undefined);
  assert.equal(chooseSuite(['OCRA-1:HOTP-SHA1-6:C-QN08'], ['OCRA-1:HOTP-SHA1-6:C-QN08'], ['OCRA-1:HOTP-SHA1-6:C-QN08']), undefined, 'counter suites are not handshake suites');
});

test('as the server negotiates (the offer as the preference): the terminal\'s order picks among the allowed suites, MAC before OCRA', () => {
  const serverSide = (offered: string[], allowed: string[]) => chooseSuite(offered, offered, allowed)?.name;
  const both = ['hmac-sha256', 'hmac-sm3'];
  assert.equal(serverSide(['hmac-sm3', 'hmac-sha256'], both), 'hmac-sm3', 'the allowed list\'s order does not decide');
  assert.equal(serverSide(['hmac-sm3', 'hmac-sha256'], ['hmac-sm3', 'hmac-sha256']), 'hmac-sm3');
  assert.equal(serverSide(['hmac-sha256', 'hmac-sm3'], ['hmac-sm3', 'hmac-sha256']), 'hmac-sha256');
  assert.equal(serverSide(['hmac-sm3', 'hmac-sha256'], ['hmac-sha256']), 'hmac-sha256', 'a suite the server does not allow is skipped');
  assert.equal(serverSide(['unknown-suite', 'hmac-sm3'], both), 'hmac-sm3', 'an unknown name is skipped');
  assert.equal(serverSide([OCRA, 'hmac-sm3'], [OCRA, ...both]), 'hmac-sm3', 'a MAC suite outranks an OCRA suite offered first');
  assert.equal(serverSide([OCRA, 'hmac-sm3'], [OCRA, 'hmac-sha256']), OCRA, 'OCRA only when no offered MAC suite is allowed');
  assert.equal(serverSide(['hmac-sm3'], ['hmac-sha256']), undefined);
});

test('downgrade: the server answering over an altered offer list is refused by the terminal', () => {
  const id = identity('T-1');
  const { hello, pending } = beginHandshake(p, id, ['hmac-sha256', 'hmac-sm3']);
  const altered = ['hmac-sm3'];
  const suite = getHandshakeSuite('hmac-sm3')!;
  const { response } = issueChallenge(p, { serverId, terminalId: 'T-1', kid: 1, offered: altered, nonceT: hello.nonceT, suite, terminalKey: id.key, lotId: null, now: 0, ttlMs: 1 });
  assert.throws(() => answerChallenge(p, pending, response), (e) => isTesseraError(e, 'auth.server_not_genuine'));
});

test('downgrade: an OCRA choice when a MAC suite was offered is refused', () => {
  const id = identity('T-1');
  const { hello, pending } = beginHandshake(p, id, ['hmac-sha256', OCRA]);
  const { response } = issueChallenge(p, { serverId, terminalId: 'T-1', kid: 1, offered: hello.suites, nonceT: hello.nonceT, suite: getHandshakeSuite(OCRA)!, terminalKey: id.key, lotId: null, now: 0, ttlMs: 1 });
  assert.throws(() => answerChallenge(p, pending, response), /OCRA suite although a MAC suite/);
});

test('any flipped character of the challenge or of the terminal proof is refused', () => {
  fc.assert(
    fc.property(fc.constantFrom('hmac-sha256', 'hmac-sm3', OCRA), fc.constantFrom('challengeId', 'nonceS', 'serverProof', 'terminalProof'), fc.nat(), fc.nat(), (suiteName, which, pos, delta) => {
      const { id, pending, record, response } = run('T-1', [suiteName]);
      const flip = (s: string) => {
        const alphabet = /^\d+$/.test(s) ? '0123456789' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const i = pos % s.length;
        const c = alphabet[(alphabet.indexOf(s[i]!) + 1 + (delta % (alphabet.length - 1))) % alphabet.length]!;
        return s.slice(0, i) + c + s.slice(i + 1);
      };
      if (which === 'terminalProof') {
        const { finish } = answerChallenge(p, pending, response);
        assert.equal(checkTerminalProof(p, serverId, record, id.key, flip(finish.terminalProof)), false);
        return;
      }
      const tampered = { ...response, [which]: flip(response[which as 'nonceS']) };
      if (suiteName === OCRA && which === 'challengeId') {
        // RFC 6287 responses cover only the two questions; the rest of the context is bound
        // through the session key, so the two sides can never agree on a session.
        const serverKey = getHandshakeSuite(OCRA)!.sessionKey(p, id.key, { serverId, terminalId: 'T-1', kid: 1, suite: OCRA, offered: record.offered, nonceT: fromBase64Url(record.nonceT), nonceS: fromBase64Url(record.nonceS), challengeId: record.challengeId });
        assert.notDeepEqual(answerChallenge(p, pending, tampered).sessionKey, serverKey);
        return;
      }
      // A flip can make nonceS non-canonical base64url; that is refused too.
      assert.throws(() => answerChallenge(p, pending, tampered), (e) => isTesseraError(e, 'auth.server_not_genuine') || isTesseraError(e, 'input.invalid_encoding'));
    }),
    { numRuns: 200 },
  );
});

test('the terminal key depends on the master key and the terminal id only', () => {
  assert.deepEqual(deriveTerminalKey(p, master, 'T-1'), deriveTerminalKey(p, master, 'T-1'));
  assert.notDeepEqual(toBase64Url(deriveTerminalKey(p, master, 'T-1')), toBase64Url(deriveTerminalKey(p, master, 'T-2')));
});

test('OCRA handshake suites need ≥ 128-bit questions that a 32-byte nonce fills', () => {
  for (const ok of ['OCRA-1:HOTP-SHA256-8:QH32', 'OCRA-1:HOTP-SHA1-6:QN39', 'OCRA-1:HOTP-SHA512-8:QA25', 'OCRA-1:HOTP-SHA256-8:QA32', OCRA]) {
    assert.equal(getHandshakeSuite(ok)?.family, 'ocra', ok);
  }
  for (const bad of ['OCRA-1:HOTP-SHA256-8:QN08', 'OCRA-1:HOTP-SHA256-8:QH31', 'OCRA-1:HOTP-SHA256-8:QN38', 'OCRA-1:HOTP-SHA256-8:QA24', 'OCRA-1:HOTP-SHA256-8:QA33', 'OCRA-1:HOTP-SHA256-8:QH64-T1M']) {
    assert.equal(getHandshakeSuite(bad), undefined, bad);
  }
});
