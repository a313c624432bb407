// HTTP Message Signatures: the RFC 9421 B.2.5 and RFC 9530 vectors, then Tessera's request
// profile against replay, staleness, tampering, weak coverage and malformed input.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { toHex, utf8 } from '../../src/protocol/bytes.ts';
import { isTesseraError, TesseraError } from '../../src/protocol/errors.ts';
import {
  checkContentDigest,
  componentValue,
  createContentDigest,
  createSignatureBase,
  fromBase64,
  hmacSignature,
  isInnerList,
  parseDictionary,
  type ReceivedRequest,
  type SfDictionary,
  type SfItem,
  type SfParameters,
  type SignatureHeaders,
  serializeDictionary,
  signRequest,
  toBase64,
  type VerifyRequestOptions,
  verifyRequest,
} from '../../src/protocol/httpsig/index.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/rfc9421-hmac.json', import.meta.url), 'utf8'));
const b25 = vectors['B.2.5'];

/** Splits the vector's HTTP/1.1 request text into a request view and body. */
function parseHttpRequest(text: string, scheme = 'https'): ReceivedRequest {
  const [head = '', body = ''] = text.split('\n\n');
  const [requestLine = '', ...lines] = head.split('\n');
  const [method = '', target = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { method, targetUri: `${scheme}://${headers['host']}${target}`, headers, body };
}

const vectorRequest = parseHttpRequest(vectors.test_request_unfolded);

test('vector file names its source', () => {
  assert.match(vectors.source.primary, /http-extensions/);
});

test('RFC 9421 B.2.5: signature base and hmac-sha256 from the parsed Signature-Input', () => {
  const inputs = parseDictionary(b25.signature_input_header, 'signature-input');
  const member = inputs.get(b25.label);
  assert.ok(member && isInnerList(member));
  const base = createSignatureBase(vectorRequest, member);
  assert.equal(base, b25.signature_base);
  assert.equal(utf8(base).length, b25.signature_base_bytes);
  assert.equal(toHex(p.digest('sha256', utf8(base))), b25.signature_base_sha256);
  const key = fromBase64(vectors.keys.shared_secret_b64);
  assert.equal(key.length, vectors.keys.shared_secret_len);
  assert.equal(toHex(key), vectors.keys.shared_secret_hex);
  assert.equal(toBase64(hmacSignature(p, key, base)), b25.expected_signature_b64);
  // the Signature field parses to the same bytes
  const sig = parseDictionary(b25.signature_header, 'signature').get(b25.label);
  assert.ok(sig && !isInnerList(sig) && sig.value instanceof Uint8Array);
  assert.ok(p.equal(sig.value, hmacSignature(p, key, base)));
});

test('RFC 9421 B.2.5: signRequest with alg, nonce and tag omitted reproduces both fields', () => {
  const added = signRequest(p, vectorRequest, {
    keyid: b25.keyid,
    key: fromBase64(vectors.keys.shared_secret_b64),
    created: b25.created,
    nonce: null,
    alg: null,
    tag: null,
    components: ['date', '@authority', 'content-type'],
    label: b25.label,
  });
  assert.equal(added['signature-input'], b25.signature_input_header);
  assert.equal(added.signature, b25.signature_header);
});

test('RFC 9530: sha-512 Content-Digest of {"hello": "world"}', () => {
  assert.equal(createContentDigest(p, vectorRequest.body, ['sha-512']), vectorRequest.headers['content-digest']);
  assert.deepEqual(checkContentDigest(p, vectorRequest.headers['content-digest'] as string, vectorRequest.body), ['sha-512']);
  assert.equal(createContentDigest(p, undefined), 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  assert.throws(() => checkContentDigest(p, 'md5=:rL0Y20zC+Fzt72VPzMSk2A==:', ''), code('sig.digest_mismatch'));
  assert.throws(() => checkContentDigest(p, 'sha-256=:abc', ''), code('sig.digest_mismatch'));
});

test('derived components and field values (RFC 9421 §2.1, §2.2)', () => {
  const view = {
    method: 'GET',
    targetUri: 'HTTPS://WWW.Example.com:443/a%20b/c?x=1&y=%2F#frag',
    headers: { 'x-multi': [' one ', 'two\r\n  three'], 'x-empty': '' },
  };
  assert.equal(componentValue(view, '@target-uri'), 'https://www.example.com/a%20b/c?x=1&y=%2F');
  assert.equal(componentValue(view, '@authority'), 'www.example.com');
  assert.equal(componentValue(view, '@scheme'), 'https');
  assert.equal(componentValue(view, '@path'), '/a%20b/c');
  assert.equal(componentValue(view, '@query'), '?x=1&y=%2F');
  assert.equal(componentValue(view, '@request-target'), '/a%20b/c?x=1&y=%2F');
  assert.equal(componentValue({ ...view, targetUri: 'http://h:8080' }, '@query'), '?');
  assert.equal(componentValue({ ...view, targetUri: 'http://h:8080' }, '@path'), '/');
  assert.equal(componentValue({ ...view, targetUri: 'http://h:8080' }, '@authority'), 'h:8080');
  assert.equal(componentValue(view, 'x-multi'), 'one, two three');
  assert.equal(componentValue(view, 'x-empty'), '');
  for (const bad of ['x-missing', 'X-Multi', '@status', '@query-param']) {
    assert.throws(() => componentValue(view, bad), code('input.invalid'), bad);
  }
  const item = (value: string, params: SfParameters = new Map()): SfItem => ({ value, params });
  const list = (...items: SfItem[]) => ({ items, params: new Map([['created', 1]]) });
  assert.equal(createSignatureBase(view, list(item('x-empty'))), '"x-empty": \n"@signature-params": ("x-empty");created=1');
  assert.throws(() => createSignatureBase(view, list(item('@method'), item('@method'))), code('input.invalid'));
  assert.throws(() => createSignatureBase(view, list(item('@signature-params'))), code('input.invalid'));
  assert.throws(() => createSignatureBase(view, list(item('x-multi', new Map([['sf', true]])))), code('input.invalid'));
  const nl = { ...view, headers: { 'x-nl': 'a\nb' } };
  assert.throws(() => createSignatureBase(nl, list(item('x-nl'))), code('input.invalid'));
});

// ---- Tessera request profile ----

const NOW = 1_750_000_000;
const SESSION = 'sess_0123456789';
const KEY = new Uint8Array(32).map((_, i) => i + 1);
const OTHER_KEY = new Uint8Array(32).fill(7);
const BODY = utf8('{"iccid":"8986001234567890123"}');
const TARGET = 'https://tessera.example/v1/bindings/check?app=pos';

function signed(overrides: { created?: number; components?: string[]; key?: Uint8Array; extra?: Record<string, string> } = {}) {
  const headers = { 'content-type': 'application/json', ...overrides.extra };
  const request = { method: 'POST', targetUri: TARGET, headers, body: BODY };
  const added = signRequest(p, request, {
    keyid: SESSION,
    key: overrides.key ?? KEY,
    created: overrides.created ?? NOW,
    ...(overrides.components ? { components: overrides.components } : {}),
  });
  const all: Record<string, string> & SignatureHeaders = { ...headers, ...added };
  return { ...request, headers: all };
}

function verifier(extra: Partial<VerifyRequestOptions> = {}) {
  const seen = new Set<string>();
  const calls = { resolveKey: 0, rememberNonce: 0 };
  const options: VerifyRequestOptions = {
    now: NOW,
    resolveKey: async (keyid) => {
      calls.resolveKey++;
      return keyid === SESSION ? KEY : undefined;
    },
    rememberNonce: async (keyid, nonce, ttl) => {
      calls.rememberNonce++;
      assert.ok(ttl >= 1 && ttl <= 121, `ttl ${ttl}`);
      const k = `${keyid}\n${nonce}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    },
    ...extra,
  };
  return { options, calls, verify: (req: ReceivedRequest) => verifyRequest(p, req, options) };
}

function code(c: string) {
  return (err: unknown) => {
    assert.ok(isTesseraError(err), `not a TesseraError: ${String(err)}`);
    assert.equal(err.code, c, err.message);
    return true;
  };
}

test('sign → verify succeeds and reports what was signed', async () => {
  const req = signed();
  assert.match(req.headers['signature-input'], /^sig1=\("@method" "@target-uri" "content-digest"\);created=1750000000;keyid="sess_0123456789";nonce="[A-Za-z0-9_-]{22}";alg="hmac-sha256";tag="tessera\/1\/request"$/);
  assert.match(req.headers['content-digest'], /^sha-256=:[A-Za-z0-9+/]{43}=:$/);
  const { verify, calls } = verifier();
  const out = await verify(req);
  assert.equal(out.keyid, SESSION);
  assert.equal(out.created, NOW);
  assert.match(out.nonce, /^[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(out.covered, ['@method', '@target-uri', 'content-digest']);
  assert.deepEqual(calls, { resolveKey: 1, rememberNonce: 1 });
  // the empty body is signed and verified too
  const empty = { method: 'GET', targetUri: TARGET, headers: {} };
  const added = signRequest(p, empty, { keyid: SESSION, key: KEY, created: NOW });
  await verify({ ...empty, headers: added });
});

test('a replayed nonce is refused with sig.replayed', async () => {
  const req = signed();
  const { verify } = verifier();
  await verify(req);
  await assert.rejects(verify(req), code('sig.replayed'));
});

test('created outside ±maxSkew (past and future) or expired is sig.stale, before any lookup', async () => {
  const { verify, calls } = verifier();
  await verify(signed({ created: NOW - 30 }));
  await verify(signed({ created: NOW + 30 }));
  await assert.rejects(verify(signed({ created: NOW - 31 })), code('sig.stale'));
  await assert.rejects(verify(signed({ created: NOW + 31 })), code('sig.stale'));
  const expired = signRequest(p, { method: 'GET', targetUri: TARGET, headers: {} }, { keyid: SESSION, key: KEY, created: NOW - 10, expires: NOW - 1 });
  await assert.rejects(verify({ method: 'GET', targetUri: TARGET, headers: expired }), code('sig.stale'));
  await assert.rejects(verifier({ maxSkewSeconds: 5 }).verify(signed({ created: NOW - 6 })), code('sig.stale'));
  assert.deepEqual(calls, { resolveKey: 2, rememberNonce: 2 });
});

test('a changed body is sig.digest_mismatch', async () => {
  const req = signed();
  await assert.rejects(verifier().verify({ ...req, body: utf8('{"iccid":"8986001234567890124"}') }), code('sig.digest_mismatch'));
  await assert.rejects(verifier().verify({ ...req, body: undefined }), code('sig.digest_mismatch'));
});

test('a changed method, path, query, host or key is sig.invalid and the nonce is not spent', async () => {
  const req = signed();
  const cases: ReceivedRequest[] = [
    { ...req, method: 'PUT' },
    { ...req, targetUri: TARGET.replace('/check', '/bind') },
    { ...req, targetUri: TARGET.replace('app=pos', 'app=atm') },
    { ...req, targetUri: TARGET.replace('?app=pos', '') },
    { ...req, targetUri: TARGET.replace('tessera.example', 'evil.example') },
    { ...req, targetUri: TARGET.replace('https:', 'http:') },
  ];
  const { verify, calls } = verifier();
  for (const c of cases) await assert.rejects(verify(c), code('sig.invalid'), c.targetUri);
  await assert.rejects(verify(signed({ key: OTHER_KEY })), code('sig.invalid'));
  await assert.rejects(verifier({ resolveKey: async () => undefined }).verify(req), code('sig.invalid'));
  assert.equal(calls.rememberNonce, 0);
  await verify(req); // the original still verifies once
});

test('resolveKey may refuse with its own error', async () => {
  const gone = async (): Promise<Uint8Array> => {
    throw new TesseraError('auth.session_invalid');
  };
  await assert.rejects(verifier({ resolveKey: gone }).verify(signed()), code('auth.session_invalid'));
});

test('coverage: every required component must be signed; extra headers are bound', async () => {
  await assert.rejects(verifier().verify(signed({ components: ['@method', '@target-uri'] })), code('sig.invalid'));
  await assert.rejects(verifier().verify(signed({ components: ['@method', 'content-digest'] })), code('sig.invalid'));
  const required = ['@method', '@target-uri', 'content-digest', 'x-tessera-sim'];
  await assert.rejects(verifier({ requiredComponents: required }).verify(signed({ extra: { 'x-tessera-sim': 'a' } })), code('sig.invalid'));
  const withSim = signed({ components: required, extra: { 'x-tessera-sim': '8986001234567890123' } });
  const out = await verifier({ requiredComponents: required }).verify(withSim);
  assert.deepEqual(out.covered, required);
  const swapped = { ...withSim, headers: { ...withSim.headers, 'x-tessera-sim': '8986009999999999999' } };
  await assert.rejects(verifier({ requiredComponents: required }).verify(swapped), code('sig.invalid'));
  const dropped: Record<string, string> = { ...withSim.headers };
  delete dropped['x-tessera-sim'];
  await assert.rejects(verifier({ requiredComponents: required }).verify({ ...withSim, headers: dropped }), code('sig.invalid'));
});

test('tag, alg, label and missing headers are checked before any lookup', async () => {
  const { verify, calls } = verifier();
  const req = signed();
  const input = req.headers['signature-input'];
  const withInput = (v: string) => ({ ...req, headers: { ...req.headers, 'signature-input': v } });
  await assert.rejects(verify(withInput(input.replace('tessera/1/request', 'tessera/1/other'))), code('sig.invalid'));
  await assert.rejects(verify(withInput(input.replace(';alg="hmac-sha256"', ''))), code('sig.invalid'));
  await assert.rejects(verify(withInput(input.replace('hmac-sha256', 'hmac-sha512'))), code('sig.invalid'));
  await assert.rejects(verify(withInput(input.replace(/;nonce="[^"]*"/, ''))), code('sig.invalid'));
  await assert.rejects(verify(withInput(input.replace('sig1=', 'sig2='))), code('sig.missing'));
  const { signature: _s, ...noSignature } = req.headers;
  await assert.rejects(verify({ ...req, headers: noSignature }), code('sig.missing'));
  await assert.rejects(verify({ ...req, headers: {} }), code('sig.missing'));
  assert.deepEqual(calls, { resolveKey: 0, rememberNonce: 0 });
});

test('malformed Signature-Input or Signature is a 4xx refusal, never a crash', async () => {
  const req = signed();
  const bad = [
    '',
    'sig1',
    'sig1=',
    'sig1=(',
    'sig1=("@method"',
    'sig1=("@method")created=1',
    'sig1=("@method");created=1.5',
    'sig1=("@method");created=1234567890123456',
    'sig1=("@method");created=1;created=2',
    'sig1=("@method"), sig1=("@method")',
    'sig1=("@method"),',
    'sig1=(@method)',
    'sig1=("@method" "@method");created=1750000000;keyid="k";nonce="AAAAAAAAAAAAAAAAAAAAAA";alg="hmac-sha256";tag="tessera/1/request"',
    'SIG1=("@method")',
    'sig1=("\u00e9")',
    'sig1=("a\\x")',
    'sig1=:AAAA:',
    'sig1="str"',
    '\u0000',
  ];
  const { verify, calls } = verifier();
  for (const value of bad) {
    for (const field of ['signature-input', 'signature']) {
      await assert.rejects(verify({ ...req, headers: { ...req.headers, [field]: value } }), (err: unknown) => {
        assert.ok(isTesseraError(err), `${field}: ${JSON.stringify(value)} → ${String(err)}`);
        assert.ok(err.status >= 400 && err.status < 500);
        return true;
      });
    }
  }
  assert.equal(calls.rememberNonce, 0);
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 80, unit: 'binary-ascii' }), fc.boolean(), async (value, which) => {
      const field = which ? 'signature-input' : 'signature';
      await assert.rejects(verify({ ...req, headers: { ...req.headers, [field]: value } }), (err: unknown) => isTesseraError(err) && err.status < 500);
    }),
  );
});

test('property: any changed character of Signature or Signature-Input, or byte of the body, is refused', async () => {
  const req = signed();
  const { verify } = verifier();
  const refused = (err: unknown) => isTesseraError(err) && err.status === 401;
  for (const field of ['signature', 'signature-input'] as const) {
    const original = req.headers[field];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: original.length - 1 }), fc.integer({ min: 0x20, max: 0x7e }), async (i, ch) => {
        fc.pre(original.charCodeAt(i) !== ch);
        const changed = original.slice(0, i) + String.fromCharCode(ch) + original.slice(i + 1);
        await assert.rejects(verify({ ...req, headers: { ...req.headers, [field]: changed } }), refused);
      }),
    );
  }
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: BODY.length - 1 }), fc.integer({ min: 1, max: 255 }), async (i, x) => {
      const body = BODY.slice();
      body[i] = body[i]! ^ x;
      await assert.rejects(verify({ ...req, body }), code('sig.digest_mismatch'));
    }),
  );
  await verify(req);
});

// ---- structured fields ----

const sfKey = fc.stringMatching(/^[a-z*][a-z0-9_.*-]{0,8}$/);
const bareItem = fc.oneof(
  fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.boolean(),
  fc.uint8Array({ maxLength: 70 }),
);
const params = fc.uniqueArray(fc.tuple(sfKey, bareItem), { selector: ([k]) => k, maxLength: 4 }).map((e) => new Map(e));
const item = fc.tuple(bareItem, params).map(([value, ps]): SfItem => ({ value, params: ps }));
const member = fc.oneof(item, fc.tuple(fc.array(item, { maxLength: 5 }), params).map(([items, ps]) => ({ items, params: ps })));
const dictionary = fc
  .uniqueArray(fc.tuple(sfKey, member), { selector: ([k]) => k, maxLength: 5 })
  .map((e): SfDictionary => new Map(e));

test('property: structured-field dictionaries round-trip', () => {
  fc.assert(
    fc.property(dictionary, (dict) => {
      const text = serializeDictionary(dict);
      const parsed = parseDictionary(text);
      assert.deepEqual(parsed, dict);
      assert.equal(serializeDictionary(parsed), text);
      assert.deepEqual(parseDictionary(`  ${text}  `), dict);
    }),
  );
});

test('structured fields: optional whitespace where RFC 8941 allows it, refusals elsewhere', () => {
  const expected = parseDictionary('a=1, b=("x" "y");p, c;q=?0');
  for (const spaced of [' a=1 ,\tb=( "x"  "y" );p,c;q=?0 ', 'a=1,b=("x" "y" );p , c; q=?0']) {
    assert.deepEqual(parseDictionary(spaced), expected, spaced);
  }
  for (const bad of ['a =1', 'a= 1', '\ta=1', 'a=("x""y")', 'a=1;p =2', 'a=tok', 'a=1.0', 'a=?2', 'A=1', 'a=1,,b=2']) {
    assert.throws(() => parseDictionary(bad), code('input.invalid'), bad);
  }
  assert.throws(() => serializeDictionary(new Map([['k', { value: 'caf\u00e9', params: new Map() }]])), code('input.invalid'));
  assert.throws(() => serializeDictionary(new Map([['k', { value: 0.5, params: new Map() }]])), code('input.invalid'));
});

test('property: base64 helpers round-trip and refuse non-canonical input', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => assert.deepEqual(fromBase64(toBase64(bytes)), bytes)));
  for (const bad of ['AB==', 'AAB=', 'AA', 'AA=', 'A A=', '-_8=']) {
    assert.throws(() => fromBase64(bad), code('input.invalid_encoding'), bad);
  }
});
