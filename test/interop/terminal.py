#!/usr/bin/env python3
"""A Tessera protocol-1 terminal written from docs/protocol.md alone.

A colleague wrote it without reading src/, to show the protocol document is enough to
interoperate; it is kept as a test. test/e2e/pythonInterop.test.ts starts a real server and
runs `selftest` and `demo` against it, so a change to the server or to docs/protocol.md that
breaks a terminal built from the document fails the suite.

Python 3 standard library only, plus the `openssl` command: hashes and HMAC are hashlib's and
hmac's (OpenSSL's SHA-1, SHA-2 and SM3), Ed25519 verification is `openssl pkeyutl`. Nothing
here implements a cryptographic primitive; HKDF (RFC 5869) and OCRA (RFC 6287) are the
protocol's constructions over HMAC, written from their RFCs.

`selftest` recomputes every value of protocol.md §9, §11.6 and §12 from their inputs and
compares it with the vector files under test/vectors/ (tessera-protocol.json, which
`npm run vectors` generates, update-manifest.json, activation-codes.json, ocra-rfc6287.json),
so no expected value is copied here; where only the text holds a value, the check says so.
It runs before every other command.

Usage:
  terminal.py selftest [--vectors DIR]
  terminal.py login    --credential FILE       handshake + GET /v1/session
  terminal.py echo     --credential FILE [--body JSON]
  terminal.py update   --credential FILE --update-key B64URL [--current V] [--lot L]
  terminal.py activate --credential FILE --code CODE
  terminal.py demo     --credential FILE [--update-key B64URL] [--code CODE]
                       everything above, and the negative tests: a wrong server, tampered
                       handshakes and requests, each refused with the documented code
"""
import argparse
import base64
import datetime as _dt
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

VECTORS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'vectors')


class TesseraError(Exception):
    def __init__(self, code, msg='', status=None, body=None):
        super().__init__(f'{code}: {msg}' if msg else code)
        self.code, self.status, self.body = code, status, body


# ---------------------------------------------------------------- §1 encodings
_B64URL_RE = re.compile(r'^[A-Za-z0-9_-]*$')


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode('ascii')


def b64u_decode(s: str, length=None) -> bytes:
    """Strict, canonical base64url without padding (§1)."""
    if not isinstance(s, str) or not _B64URL_RE.match(s) or len(s) % 4 == 1:
        raise TesseraError('input.invalid_encoding', 'not canonical base64url')
    raw = base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
    if b64u(raw) != s:  # non-zero pad bits
        raise TesseraError('input.invalid_encoding', 'non-canonical base64url')
    if length is not None and len(raw) != length:
        raise TesseraError('input.invalid_encoding', f'expected {length} bytes')
    return raw


def b64std(b: bytes) -> str:
    return base64.b64encode(b).decode('ascii')


def u16be(n):
    return struct.pack('>H', n)


def u32be(n):
    return struct.pack('>I', n)


def u64be(n):
    return struct.pack('>Q', n)


def utf8(x):
    return x.encode('utf-8') if isinstance(x, str) else bytes(x)


# ---------------------------------------------------------------- §2 transcripts
def item(x) -> bytes:
    x = utf8(x)
    if len(x) > 65535:
        raise ValueError('field longer than 65535 bytes')
    return u16be(len(x)) + x


def items(lst) -> bytes:
    return b''.join(item(x) for x in lst)


def transcript(purpose: str, fields) -> bytes:
    if not re.match(r'^[a-z0-9-]+(/[a-z0-9-]+)*$', purpose):
        raise ValueError('bad purpose')
    return item('tessera/1/' + purpose) + b''.join(item(f) for f in fields)


# ---------------------------------------------------------------- hashes, HMAC, HKDF
HASHES = {'sha1': 20, 'sha256': 32, 'sha512': 64, 'sm3': 32}


def hash_available(name):
    try:
        hashlib.new(name)
        return True
    except ValueError:  # SM3 needs an OpenSSL that has it
        return False


def hash_digest(name, data):
    return hashlib.new(name, data).digest()


def hmac_digest(name, key, msg):
    return hmac.new(key, msg, lambda d=b'': hashlib.new(name, d)).digest()


def hkdf(name, ikm, salt, info, length):
    if not salt:
        salt = b'\x00' * HASHES[name]
    prk = hmac_digest(name, utf8(salt), ikm)
    out, t, i = b'', b'', 1
    while len(out) < length:
        t = hmac_digest(name, prk, t + utf8(info) + bytes([i]))
        out += t
        i += 1
    return out[:length]


# ---------------------------------------------------------------- §3 keys, §4 handshake fields
MAC_SUITES = {'hmac-sha256': 'sha256', 'hmac-sm3': 'sm3'}


def implemented_suites(names):
    """The names this terminal can run: MAC suites whose hash hashlib has, valid OCRA suites."""
    out = []
    for name in names:
        if name in MAC_SUITES:
            if hash_available(MAC_SUITES[name]):
                out.append(name)
            continue
        try:
            parse_ocra_suite(name)
            out.append(name)
        except TesseraError:
            pass
    return out


def terminal_key(master, terminal_id):
    return hkdf('sha256', master, utf8(terminal_id), 'tessera/1/terminal', 32)


def handshake_fields(server_id, terminal_id, kid, suite, offered, nonce_t, nonce_s, challenge_id):
    """§4.2; the last field, hardware evidence (§4.8), is empty: this terminal sends none."""
    return [server_id, terminal_id, u32be(kid), suite, items(offered), nonce_t, nonce_s,
            challenge_id, b'']


class SuiteKeys:
    """Everything a suite needs: proofs, session key, finish confirmation. `base_key` is K_t
    for a MAC suite and K_ocra for an OCRA one (§3.2, §5.2)."""

    def __init__(self, suite, k_t):
        self.suite = suite
        if suite in MAC_SUITES:
            self.hash_name = MAC_SUITES[suite]
            self.k_s2t = hkdf(self.hash_name, k_t, b'', 'tessera/1/s2t', 32)
            self.k_t2s = hkdf(self.hash_name, k_t, b'', 'tessera/1/t2s', 32)
            self.base_key = k_t
            self.ocra = None
        else:
            self.ocra = parse_ocra_suite(suite)
            self.hash_name = 'sha256'
            self.base_key = hkdf('sha256', k_t, b'', 'tessera/1/ocra-key', HASHES[self.ocra['hash']])
        self.k_fc = hkdf(self.hash_name, self.base_key, b'', 'tessera/1/finish-confirm', 32)

    def server_proof(self, fields, nonce_t, nonce_s):
        if self.ocra is None:
            return b64u(hmac_digest(self.hash_name, self.k_s2t, transcript('server-proof', fields)))
        qc, qs = ocra_question(self.ocra, nonce_t), ocra_question(self.ocra, nonce_s)
        return ocra(self.suite, self.ocra, self.base_key, qc + qs)

    def terminal_proof(self, fields, nonce_t, nonce_s):
        if self.ocra is None:
            return b64u(hmac_digest(self.hash_name, self.k_t2s, transcript('terminal-proof', fields)))
        qc, qs = ocra_question(self.ocra, nonce_t), ocra_question(self.ocra, nonce_s)
        return ocra(self.suite, self.ocra, self.base_key, qs + qc)

    def hs_hash(self, fields):
        return hash_digest(self.hash_name, transcript('handshake', fields))

    def session_key(self, fields, nonce_t, nonce_s):
        info = transcript('session-key', [self.hs_hash(fields)])
        return hkdf(self.hash_name, self.base_key, nonce_t + nonce_s, info, 32)

    def server_confirm(self, hs_hash, session_id, expires_at, capabilities):
        t_fc = transcript('finish-confirm', [hs_hash, session_id, expires_at, items(capabilities)])
        return b64u(hmac_digest(self.hash_name, self.k_fc, t_fc))


def request_key(k_sess):
    return hkdf('sha256', k_sess, b'', 'tessera/1/http-signature', 32)


# ---------------------------------------------------------------- §5 OCRA
_OCRA_RE = re.compile(r'^OCRA-1:HOTP-(SHA1|SHA256|SHA512)-(0|4|5|6|7|8|9|10):Q([ANH])?(\d\d)?$')


def ocra_params(name):
    """A question-only RFC 6287 suite's parameters, or None (§5.1 grammar, any question size)."""
    m = _OCRA_RE.match(name)
    if not m or len(name) > 64 or (m.group(3) is None and m.group(4) is not None):
        return None
    fmt = m.group(3) or 'N'
    xx = int(m.group(4)) if m.group(4) else 8
    if not 4 <= xx <= 64 or (fmt == 'A' and xx > 32):
        return None
    return {'hash': m.group(1).lower(), 'digits': int(m.group(2)), 'fmt': fmt, 'len': xx}


def parse_ocra_suite(name):
    """A suite of Tessera's OCRA family: question-only, at least 128 bits of question (§5.1)."""
    s = ocra_params(name)
    if s is None:
        raise TesseraError('ocra.invalid_suite', name)
    fmt, xx = s['fmt'], s['len']
    if not ((fmt == 'H' and xx >= 32) or (fmt == 'N' and xx >= 39) or (fmt == 'A' and xx >= 25)):
        raise TesseraError('ocra.invalid_suite', 'question under 128 bits: ' + name)
    return s


def ocra_question(s, nonce):
    xx = s['len']
    if s['fmt'] == 'H':
        return nonce[:(xx + 1) // 2].hex().upper()[:xx]
    if s['fmt'] == 'N':
        return str(int.from_bytes(nonce, 'big') % 10 ** xx).zfill(xx)
    alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    return ''.join(alphabet[nonce[i] % 36] for i in range(xx))


def ocra_qfield(fmt, q):
    if fmt == 'H':
        h = q + ('0' if len(q) % 2 else '')
        b = bytes.fromhex(h)
    elif fmt == 'N':
        h = format(int(q), 'X')
        if len(h) % 2:
            h += '0'
        b = bytes.fromhex(h)
    else:
        b = q.encode('ascii')
    if len(b) > 128:
        raise TesseraError('ocra.invalid_input', 'question too long')
    return b + b'\x00' * (128 - len(b))


def ocra_data_input(suite, s, q):
    return suite.encode('utf-8') + b'\x00' + ocra_qfield(s['fmt'], q)


def ocra(suite, s, key, q):
    mac = hmac_digest(s['hash'], key, ocra_data_input(suite, s, q))
    if s['digits'] == 0:
        return mac.hex()
    off = mac[-1] & 0x0F
    code = int.from_bytes(mac[off:off + 4], 'big') & 0x7FFFFFFF
    return str(code % 10 ** s['digits']).zfill(s['digits'])


# ---------------------------------------------------------------- §7 signed requests
def content_digest(body: bytes) -> str:
    return f'sha-256=:{b64std(hashlib.sha256(body).digest())}:'


COVERED = ('@method', '@target-uri', 'content-digest')


def signature_params(created, keyid, nonce):
    inner = '(' + ' '.join(f'"{c}"' for c in COVERED) + ')'
    return inner + f';created={created};keyid="{keyid}";nonce="{nonce}";alg="hmac-sha256";tag="tessera/1/request"'


def signature_base(method, target_uri, headers, params):
    lines = []
    for c in COVERED:
        if c == '@method':
            v = method
        elif c == '@target-uri':
            v = target_uri
        else:
            v = headers[c].strip()
        if not all(0x20 <= ord(ch) <= 0x7E or ch == '\t' for ch in v):
            raise ValueError('component not printable ASCII')
        lines.append(f'"{c}": {v}')
    lines.append(f'"@signature-params": {params}')
    return '\n'.join(lines)


def normalise_url(url):
    """Lower-case scheme and host, drop the default port (§7.2 without a WHATWG parser)."""
    u = urllib.parse.urlsplit(url)
    scheme = u.scheme.lower()
    host = (u.hostname or '').lower()
    if ':' in host:
        host = f'[{host}]'
    port = u.port
    if (scheme, port) in (('http', 80), ('https', 443)):
        port = None
    netloc = host + (f':{port}' if port is not None else '')
    return urllib.parse.urlunsplit((scheme, netloc, u.path, u.query, ''))


# ---------------------------------------------------------------- §11 update manifests
# RFC 8410 SubjectPublicKeyInfo of an Ed25519 key: this prefix, then the 32 raw key bytes.
_ED25519_SPKI_PREFIX = bytes.fromhex('302a300506032b6570032100')


def ed25519_verify(public, msg, sig):
    """Ed25519 verification by OpenSSL (`openssl pkeyutl -verify -rawin`); True when valid."""
    if len(public) != 32 or len(sig) != 64 or not msg:  # pkeyutl cannot read an empty message
        return False
    pem = ('-----BEGIN PUBLIC KEY-----\n' + b64std(_ED25519_SPKI_PREFIX + public)
           + '\n-----END PUBLIC KEY-----\n')
    with tempfile.TemporaryDirectory(prefix='tessera-ed25519-') as d:
        paths = {name: os.path.join(d, name) for name in ('key.pem', 'msg', 'sig')}
        for name, data in (('key.pem', pem.encode('ascii')), ('msg', msg), ('sig', sig)):
            with open(paths[name], 'wb') as f:
                f.write(data)
        try:
            r = subprocess.run(['openssl', 'pkeyutl', '-verify', '-pubin', '-inkey', paths['key.pem'],
                                '-rawin', '-in', paths['msg'], '-sigfile', paths['sig']],
                               capture_output=True, timeout=30)
        except FileNotFoundError:
            raise TesseraError('client.no_openssl', 'the openssl command verifies Ed25519 signatures')
    return r.returncode == 0 and b'Signature Verified Successfully' in r.stdout


_VERSION_RE = re.compile(r'^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$')
_FILENAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$')
_LOT_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$')
_CREATED_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')


def vtuple(v):
    return tuple(int(p) for p in v.split('.'))


def parse_manifest(obj):
    """§11.2: refuse anything outside the rules ('malformed')."""
    def bad(why):
        raise TesseraError('update.malformed', why)
    if not isinstance(obj, dict) or set(obj) != {'manifest', 'signature'}:
        bad('not {manifest, signature}')
    m, sig = obj['manifest'], obj['signature']
    if not isinstance(sig, str) or len(sig) != 86:
        bad('signature')
    sig = b64u_decode(sig, 64)
    keys = {'version', 'fileName', 'size', 'sha256', 'minVersion', 'lots', 'createdAt'}
    if not isinstance(m, dict) or set(m) != keys:
        bad('manifest members')
    if not isinstance(m['version'], str) or not _VERSION_RE.match(m['version']):
        bad('version')
    if not isinstance(m['fileName'], str) or not _FILENAME_RE.match(m['fileName']):
        bad('fileName')
    if type(m['size']) is not int or not 1 <= m['size'] <= 2 ** 53 - 1:
        bad('size')
    if not isinstance(m['sha256'], str) or not re.match(r'^[0-9a-f]{64}$', m['sha256']):
        bad('sha256')
    if m['minVersion'] is not None and (not isinstance(m['minVersion'], str)
                                        or not _VERSION_RE.match(m['minVersion'])):
        bad('minVersion')
    lots = m['lots']
    if (not isinstance(lots, list) or len(lots) > 256 or len(set(lots)) != len(lots)
            or not all(isinstance(x, str) and _LOT_RE.match(x) for x in lots)):
        bad('lots')
    if not isinstance(m['createdAt'], str) or not _CREATED_RE.match(m['createdAt']):
        bad('createdAt')
    return m, sig


def manifest_bytes(m):
    return transcript('update-manifest', [
        m['version'], m['fileName'], u64be(m['size']), bytes.fromhex(m['sha256']),
        m['minVersion'] or '', items(m['lots']), m['createdAt']])


def decide_manifest(obj, k_upd, current, lot=None):
    m, sig = parse_manifest(obj)
    if not ed25519_verify(k_upd, manifest_bytes(m), sig):
        raise TesseraError('update.bad_signature')
    if vtuple(m['version']) < vtuple(current):
        raise TesseraError('update.downgrade')
    if m['version'] == current:
        raise TesseraError('update.same_version')
    if m['minVersion'] is not None and vtuple(current) < vtuple(m['minVersion']):
        raise TesseraError('update.below_min_version')
    if m['lots'] and lot not in m['lots']:
        raise TesseraError('update.not_for_lot')
    return m


def check_update_file(m, data):
    if len(data) != m['size']:
        raise TesseraError('update.size_mismatch')
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), m['sha256']):
        raise TesseraError('update.hash_mismatch')


# ---------------------------------------------------------------- §12 activation codes
CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
CHECK = CROCKFORD + '*~$=U'


def code_from_random(rnd: bytes) -> str:
    if len(rnd) != 10:
        raise ValueError('a code carries 10 random bytes')
    v = int.from_bytes(rnd, 'big')
    data = ''.join(CROCKFORD[(v >> (5 * (15 - i))) & 31] for i in range(16))
    return format_code(data)


def check_symbol(data: str) -> str:
    v = 0
    for ch in data:
        v = v * 32 + CROCKFORD.index(ch)
    return CHECK[v % 37]


def format_code(data):
    return '-'.join(data[i:i + 4] for i in range(0, 16, 4)) + '-' + check_symbol(data)


def read_code(typed: str) -> str:
    """§12.3; returns the 16 data symbols."""
    if len(typed) > 64:
        raise TesseraError('activation.code_malformed')
    s = re.sub(r'[\s-]', '', typed.upper())
    s = s.replace('I', '1').replace('L', '1').replace('O', '0')
    if len(s) != 17 or any(c not in CROCKFORD for c in s[:16]) or s[16] not in CHECK:
        raise TesseraError('activation.code_malformed')
    if check_symbol(s[:16]) != s[16]:
        raise TesseraError('activation.code_mistyped')
    return s[:16]


def code_hash(master, data_symbols):
    k_code = hkdf('sha256', master, b'', 'tessera/1/activation-codes', 32)
    return k_code, b64u(hmac_digest('sha256', k_code, transcript('activation-code', [data_symbols])))


# ---------------------------------------------------------------- the client
def parse_time(s):
    return _dt.datetime.fromisoformat(s.replace('Z', '+00:00'))


def _is_time(s):
    try:
        parse_time(s)
        return True
    except ValueError:
        return False


def _need_str(obj, name, maxlen):
    v = obj.get(name)
    if not isinstance(v, str) or not v or len(v) > maxlen:
        raise TesseraError('client.bad_response', f'member {name}')
    return v


def load_credential(path):
    with open(path, encoding='utf-8') as f:
        return parse_credential(json.load(f))


def parse_credential(c):
    """§3.3; adds `_key`, the raw K_t."""
    if not isinstance(c, dict):
        raise TesseraError('credential.invalid', 'not a JSON object')
    if c.get('version') != 1:
        raise TesseraError('credential.invalid', 'version')
    if not re.match(r'^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$', c.get('terminalId', '')):
        raise TesseraError('credential.invalid', 'terminalId')
    if type(c.get('kid')) is not int or not 1 <= c['kid'] <= 2 ** 32 - 1:
        raise TesseraError('credential.invalid', 'kid')
    c['_key'] = b64u_decode(c.get('key', ''), 32)
    if not isinstance(c.get('serverId'), str) or not c['serverId']:
        raise TesseraError('credential.invalid', 'serverId')
    if not isinstance(c.get('suites'), list) or not c['suites']:
        raise TesseraError('credential.invalid', 'suites')
    if not re.match(r'^https?://', c.get('url', '')) or c['url'].endswith('/'):
        raise TesseraError('credential.invalid', 'url')
    return c


class Terminal:
    def __init__(self, cred, verbose=True):
        self.cred = cred
        self.k_t = cred['_key']
        self.session = None
        self.verbose = verbose
        u = urllib.parse.urlsplit(cred['url'])
        self.scheme, self.host, self.port = u.scheme, u.hostname, u.port
        self.base_path = u.path

    def log(self, *a):
        if self.verbose:
            print('  ', *a)

    # --- HTTP
    def http(self, method, path, body=None, headers=None, host_header=None):
        cls = http.client.HTTPSConnection if self.scheme == 'https' else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=15)
        hdrs = dict(headers or {})
        if host_header:
            hdrs['Host'] = host_header
        try:
            conn.request(method, self.base_path + path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
        except OSError as e:
            raise TesseraError('client.network', str(e))
        finally:
            conn.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def json_call(self, method, path, obj=None, headers=None, raw=None, host_header=None):
        body = raw if raw is not None else (None if obj is None else json.dumps(obj).encode())
        hdrs = dict(headers or {})
        if body is not None and 'Content-Type' not in hdrs:
            hdrs['Content-Type'] = 'application/json'
        st, _, data = self.http(method, path, body, hdrs, host_header)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        if not 200 <= st < 300:
            code = parsed.get('code') if isinstance(parsed, dict) else None
            if not isinstance(code, str):
                raise TesseraError('client.bad_response', f'HTTP {st}', st, parsed)
            raise TesseraError(code, (parsed.get('detail') or parsed.get('title') or ''), st, parsed)
        if not isinstance(parsed, dict):
            raise TesseraError('client.bad_response', 'not a JSON object', st)
        return parsed

    # --- §4 handshake
    def login(self, suites=None, tamper_hello=None):
        c = self.cred
        offered = list(suites or implemented_suites(c['suites']))
        nonce_t = secrets.token_bytes(32)
        hello = {'terminalId': c['terminalId'], 'kid': c['kid'], 'nonceT': b64u(nonce_t),
                 'suites': offered}
        if 'lotId' in c:
            hello['lotId'] = c['lotId']
        r = self.json_call('POST', '/v1/auth/hello', hello)
        if tamper_hello:
            tamper_hello(r)
        # §4.1 limits
        challenge_id = _need_str(r, 'challengeId', 64)
        suite = _need_str(r, 'suite', 64)
        server_proof = _need_str(r, 'serverProof', 128)
        expires = _need_str(r, 'expiresAt', 40)
        if not _is_time(expires):
            raise TesseraError('client.bad_response', 'expiresAt')
        try:
            nonce_s = b64u_decode(_need_str(r, 'nonceS', 43), 32)
        except TesseraError:
            raise TesseraError('client.bad_response', 'nonceS')
        # §4.6 step 3: offered and implemented
        if suite not in offered or suite not in implemented_suites(offered):
            raise TesseraError('auth.server_not_genuine', f'suite {suite!r} not offered')
        # step 4: MAC -> OCRA downgrade
        if suite not in MAC_SUITES and any(s in MAC_SUITES for s in offered):
            raise TesseraError('auth.server_not_genuine', 'MAC -> OCRA downgrade')
        # step 5: the server's proof
        fields = handshake_fields(c['serverId'], c['terminalId'], c['kid'], suite, offered, nonce_t,
                             nonce_s, challenge_id)
        keys = SuiteKeys(suite, self.k_t)
        expected = keys.server_proof(fields, nonce_t, nonce_s)
        if not hmac.compare_digest(expected.encode(), server_proof.encode()):
            raise TesseraError('auth.server_not_genuine', 'server proof does not verify')
        self.log(f'server proof verified ({suite})')
        # step 6
        terminal_proof = keys.terminal_proof(fields, nonce_t, nonce_s)
        k_sess = keys.session_key(fields, nonce_t, nonce_s)
        hs_hash = keys.hs_hash(fields)
        fin = self.json_call('POST', '/v1/auth/finish',
                             {'challengeId': challenge_id, 'terminalProof': terminal_proof})
        # §4.9
        if 'serverConfirm' not in fin:
            raise TesseraError('auth.server_not_genuine', 'no serverConfirm')
        session_id = _need_str(fin, 'sessionId', 64)
        s_exp = _need_str(fin, 'expiresAt', 64)
        confirm = _need_str(fin, 'serverConfirm', 128)
        if not _is_time(s_exp):
            raise TesseraError('client.bad_response', 'expiresAt')
        caps = fin.get('capabilities')
        if (not isinstance(caps, list) or len(caps) > 32
                or not all(isinstance(x, str) and 1 <= len(x) <= 64 for x in caps)):
            raise TesseraError('client.bad_response', 'capabilities')
        exp_confirm = keys.server_confirm(hs_hash, session_id, s_exp, caps)
        if not hmac.compare_digest(exp_confirm.encode(), confirm.encode()):
            raise TesseraError('auth.server_not_genuine', 'serverConfirm does not verify')
        self.log(f'serverConfirm verified; session {session_id} until {s_exp} caps={caps}')
        self.session = {'id': session_id, 'expiresAt': s_exp, 'capabilities': caps,
                        'k_req': request_key(k_sess), 'suite': suite,
                        '_challengeId': challenge_id, '_terminalProof': terminal_proof}
        return self.session

    # --- §7 signed request
    def signed(self, method, path, obj=None, *, nonce=None, created=None,
               body_override=None, host_header=None, target_override=None):
        if self.session is None or self._expiring():
            self.login()
        try:
            return self._signed(method, path, obj, nonce=nonce, created=created,
                                body_override=body_override, host_header=host_header,
                                target_override=target_override)
        except TesseraError as e:
            if e.code != 'auth.session_invalid':  # §6: MUST start a new handshake
                raise
            self.login()
            return self._signed(method, path, obj, body_override=body_override,
                                host_header=host_header, target_override=target_override)

    def _expiring(self):
        exp = parse_time(self.session['expiresAt'])
        return exp - _dt.datetime.now(_dt.timezone.utc) < _dt.timedelta(seconds=5)

    def _signed(self, method, path, obj=None, *, nonce=None, created=None,
                body_override=None, host_header=None, target_override=None):
        body = b'' if obj is None else json.dumps(obj).encode()
        headers = {'Content-Digest': content_digest(body)}
        if body:
            headers['Content-Type'] = 'application/json'
        target = target_override or (self.cred['url'] + path)
        nonce = nonce or b64u(secrets.token_bytes(16))
        created = created if created is not None else int(time.time())
        params = signature_params(created, self.session['id'], nonce)
        base = signature_base(method, target, {'content-digest': headers['Content-Digest']}, params)
        sig = hmac_digest('sha256', self.session['k_req'], base.encode('utf-8'))
        headers['Signature-Input'] = 'sig1=' + params
        headers['Signature'] = f'sig1=:{b64std(sig)}:'
        sent = body_override if body_override is not None else body
        return self.json_call(method, path, headers=headers, raw=sent if sent else None,
                              host_header=host_header)

    # --- §11
    def latest_update(self, current, lot=None):
        q = {'current': current}
        if lot:
            q['lot'] = lot
        return self.json_call('GET', '/v1/updates/latest?' + urllib.parse.urlencode(q))

    def check_update(self, k_upd, current, lot=None):
        r = self.latest_update(current, lot)
        if 'update' not in r:
            raise TesseraError('client.bad_response', 'no update member')
        if r.get('update') is None:
            return None
        m = decide_manifest(r['update'], k_upd, current, lot)
        self.log(f"manifest {m['version']} verified under K_upd ({m['fileName']}, {m['size']} B)")
        st, rh, data = self.http('GET', f"/v1/updates/{m['version']}/file")
        if st != 200:
            raise TesseraError('client.bad_response', f'file HTTP {st}')
        check_update_file(m, data[:m['size'] + 1])
        self.log(f"file verified (size, sha256); ETag={rh.get('etag')} Repr-Digest={rh.get('repr-digest')}")
        return m

    # --- §12.4
    def activate(self, typed):
        read_code(typed)  # refuse typing errors locally (§12.3)
        return self.signed('POST', '/v1/activate', {'code': typed})


# ---------------------------------------------------------------- self-test against the vectors
_checks = 0


def check(name, got, want):
    global _checks
    if got != want:
        raise SystemExit(f'VECTOR MISMATCH {name}:\n  got  {got}\n  want {want}')
    _checks += 1
    print(f'  ok  {name}')


def check_refused(name, fn, want):
    try:
        fn()
        got = None
    except TesseraError as e:
        got = e.code
    check(name, got, want)


def load_vectors(vectors_dir, name):
    with open(os.path.join(vectors_dir, name), encoding='utf-8') as f:
        return json.load(f)


def iso_ms(t):
    """The protocol's time format: ISO 8601 UTC with milliseconds."""
    return t.strftime('%Y-%m-%dT%H:%M:%S.') + f'{t.microsecond // 1000:03d}Z'


def selftest(vectors_dir=VECTORS_DIR):
    """Recomputes protocol.md §9, §11.6 and §12 and compares with test/vectors/."""
    hx = bytes.fromhex
    proto = load_vectors(vectors_dir, 'tessera-protocol.json')

    print('§9.1 transcript encoding (tessera-protocol.json)')
    ex = proto['transcriptExample']
    ex_fields = [f['utf8'] if 'utf8' in f else hx(f['hex']) for f in ex['fields']]
    check('transcript', transcript(ex['purpose'], ex_fields).hex(), ex['hex'])
    check('offered list', items(proto['suiteListExample']['suites']).hex(), proto['suiteListExample']['hex'])

    print('§9.2 keys and credential')
    inp = proto['inputs']
    k_t = terminal_key(hx(inp['masterKey']), inp['terminalId'])
    check('K_t', k_t.hex(), proto['terminalKey'])
    cred = parse_credential(dict(proto['credential']))
    check('credential key is K_t', cred['_key'], k_t)
    nonce_t, nonce_s = hx(inp['nonceT']), hx(inp['nonceS'])
    check('challengeId', b64u(hx(inp['challengeIdBytes'])), inp['challengeId'])
    check('sessionId', b64u(hx(inp['sessionIdBytes'])), inp['sessionId'])
    now = parse_time(inp['now'])
    challenge_exp = iso_ms(now + _dt.timedelta(seconds=inp['challengeTtlSeconds']))
    session_exp = iso_ms(now + _dt.timedelta(seconds=inp['sessionTtlSeconds']))

    request_keys = {}
    for hs in proto['handshakes']:
        suite = hs['suite']
        print(f'§9.3-9.5 handshake {suite}')
        if suite not in implemented_suites([suite]):
            print(f'  note: {suite} skipped, this Python has no {MAC_SUITES[suite]} in hashlib')
            continue
        fields = handshake_fields(inp['serverId'], inp['terminalId'], inp['kid'], suite, hs['offered'],
                                  nonce_t, nonce_s, inp['challengeId'])
        keys = SuiteKeys(suite, k_t)
        check('hash', keys.hash_name, hs['keys']['hash'])
        if keys.ocra is None:
            check('K_s2t', keys.k_s2t.hex(), hs['keys']['K_s2t'])
            check('K_t2s', keys.k_t2s.hex(), hs['keys']['K_t2s'])
        else:
            check('K_ocra', keys.base_key.hex(), hs['keys']['ocraKey'])
            qc, qs = ocra_question(keys.ocra, nonce_t), ocra_question(keys.ocra, nonce_s)
            check('QC', qc, hs['ocra']['clientQuestion'])
            check('QS', qs, hs['ocra']['serverQuestion'])
            check('DataInput_S', ocra_data_input(suite, keys.ocra, qc + qs).hex(), hs['ocra']['serverDataInput'])
            check('DataInput_C', ocra_data_input(suite, keys.ocra, qs + qc).hex(), hs['ocra']['terminalDataInput'])
        for purpose, want in hs['transcripts'].items():
            check(f'T {purpose}', transcript(purpose, fields).hex(), want)
        hs_hash = keys.hs_hash(fields)
        check('H(T_hs)', hs_hash.hex(), hs['handshakeHash'])
        check('session-key info', transcript('session-key', [hs_hash]).hex(), hs['sessionKeyInfo'])
        server_proof = keys.server_proof(fields, nonce_t, nonce_s)
        terminal_proof = keys.terminal_proof(fields, nonce_t, nonce_s)
        check('serverProof', server_proof, hs['serverProof'])
        check('terminalProof', terminal_proof, hs['terminalProof'])
        k_sess = keys.session_key(fields, nonce_t, nonce_s)
        check('K_sess', k_sess.hex(), hs['sessionKey'])
        request_keys[suite] = request_key(k_sess)
        check('K_req', request_keys[suite].hex(), hs['requestKey'])
        caps = hs['messages']['finishResponse']['capabilities']  # the server's choice, an input here
        fc = hs['finishConfirm']
        check('K_fc', keys.k_fc.hex(), fc['K_fc'])
        check('T_fc', transcript('finish-confirm', [hs_hash, inp['sessionId'], session_exp, items(caps)]).hex(),
              fc['transcript'])
        confirm = keys.server_confirm(hs_hash, inp['sessionId'], session_exp, caps)
        check('serverConfirm', confirm, fc['serverConfirm'])
        check('hello', {'terminalId': inp['terminalId'], 'kid': inp['kid'], 'nonceT': b64u(nonce_t),
                        'suites': hs['offered']}, hs['messages']['hello'])
        check('hello response', {'challengeId': inp['challengeId'], 'suite': suite, 'nonceS': b64u(nonce_s),
                                 'serverProof': server_proof, 'expiresAt': challenge_exp},
              hs['messages']['helloResponse'])
        check('finish', {'challengeId': inp['challengeId'], 'terminalProof': terminal_proof}, hs['messages']['finish'])
        check('finish response', {'sessionId': inp['sessionId'], 'expiresAt': session_exp, 'capabilities': caps,
                                  'serverConfirm': confirm}, hs['messages']['finishResponse'])

    print('§5.3 OCRA questions of the other formats')
    for q in proto['ocraQuestions']:
        keys = SuiteKeys(q['suite'], k_t)
        fields = handshake_fields(inp['serverId'], inp['terminalId'], inp['kid'], q['suite'], [q['suite']],
                                  nonce_t, nonce_s, inp['challengeId'])
        qc, qs = ocra_question(keys.ocra, nonce_t), ocra_question(keys.ocra, nonce_s)
        check(f"{q['suite']} format", (keys.ocra['fmt'], keys.ocra['len']), (q['format'], q['length']))
        check(f"{q['suite']} K_ocra", keys.base_key.hex(), q['ocraKey'])
        check(f"{q['suite']} QC", qc, q['clientQuestion'])
        check(f"{q['suite']} QS", qs, q['serverQuestion'])
        check(f"{q['suite']} DataInput_S", ocra_data_input(q['suite'], keys.ocra, qc + qs).hex(), q['serverDataInput'])
        check(f"{q['suite']} DataInput_C", ocra_data_input(q['suite'], keys.ocra, qs + qc).hex(), q['terminalDataInput'])
        check(f"{q['suite']} serverProof", keys.server_proof(fields, nonce_t, nonce_s), q['serverProof'])
        check(f"{q['suite']} terminalProof", keys.terminal_proof(fields, nonce_t, nonce_s), q['terminalProof'])

    print('RFC 6287 Appendix C, question-only suites (ocra-rfc6287.json): the OCRA engine')
    for v in load_vectors(vectors_dir, 'ocra-rfc6287.json')['vectors']:
        params = ocra_params(v['suite'])
        if params is None:  # counter, PIN or time inputs: not in Tessera's OCRA family (§5.1)
            continue
        check(f"{v['suite']} Q={v['question']}", ocra(v['suite'], params, hx(v['key_hex']), v['question']),
              v['expected'])

    print('§9.6 signed request')
    sr = proto['signedRequest']
    k_req = request_keys['hmac-sha256']
    check('K_req of the session', k_req.hex(), sr['requestKey'])
    body = sr['body'].encode('utf-8')
    check('content-digest', content_digest(body), sr['headers']['content-digest'])
    # The nonce's bytes are quoted in protocol.md §9.6 only; the vector file has the base64url.
    check('nonce (bytes from protocol.md §9.6)', b64u(hx('ce471d8340330a6da4606d96b48146cb')), sr['nonce'])
    params = signature_params(sr['created'], sr['keyid'], sr['nonce'])
    check('signature-input', 'sig1=' + params, sr['headers']['signature-input'])
    base = signature_base(sr['method'], normalise_url(sr['url']), {'content-digest': content_digest(body)}, params)
    check('signature base', base, sr['signatureBase'])
    mac = hmac_digest('sha256', k_req, base.encode('utf-8'))
    check('HMAC-SHA256(K_req, base)', mac.hex(), sr['signature'])
    check('signature', f'sig1=:{b64std(mac)}:', sr['headers']['signature'])
    check('§7.2 normalise_url', normalise_url('HTTPS://Tessera.Example:443/v1/x?a=B'), 'https://tessera.example/v1/x?a=B')

    print('§1 strict base64url')
    for bad in ('AA=', 'A', 'AB', 'A+', 'AAB'):  # 'AB' and 'AAB' have non-zero pad bits
        check_refused(f'refuse {bad!r}', lambda: b64u_decode(bad), 'input.invalid_encoding')

    print('§11.6 update manifest (update-manifest.json)')
    um = load_vectors(vectors_dir, 'update-manifest.json')
    example, k_upd = um['signedManifest'], b64u_decode(um['updatePublicKey'], 32)
    file_bytes = um['fileUtf8'].encode('utf-8')
    check('file size', len(file_bytes), example['manifest']['size'])
    check('file sha256', hashlib.sha256(file_bytes).hexdigest(), example['manifest']['sha256'])
    check('M_upd', manifest_bytes(example['manifest']).hex(), um['transcriptHex'])
    check('signature verifies (openssl)', ed25519_verify(k_upd, manifest_bytes(example['manifest']),
                                                          b64u_decode(example['signature'], 64)), True)
    # The outcomes are protocol.md §11.6's prose: lots L-2026-11 and L-2026-12, 1.0.0 up to 1.2.2.
    for current, lot, want in [('1.0.0', 'L-2026-11', None), ('1.2.2', 'L-2026-12', None),
                               ('0.9.0', 'L-2026-11', 'update.below_min_version'),
                               ('1.1.0', 'L-2027-01', 'update.not_for_lot'),
                               ('1.2.3', 'L-2026-11', 'update.same_version'),
                               ('1.10.0', 'L-2026-11', 'update.downgrade')]:
        check_refused(f'decide current={current} lot={lot}', lambda: decide_manifest(example, k_upd, current, lot), want)
    altered = json.loads(json.dumps(example))
    altered['manifest']['size'] += 1
    check_refused('manifest with a changed size', lambda: decide_manifest(altered, k_upd, '1.0.0', 'L-2026-11'),
                  'update.bad_signature')
    altered = json.loads(json.dumps(example))
    sig = b64u_decode(altered['signature'], 64)
    altered['signature'] = b64u(sig[:-1] + bytes([sig[-1] ^ 1]))
    check_refused('signature with one bit flipped', lambda: decide_manifest(altered, k_upd, '1.0.0', 'L-2026-11'),
                  'update.bad_signature')
    check_refused('file with one byte changed', lambda: check_update_file(example['manifest'], b'X' + file_bytes[1:]),
                  'update.hash_mismatch')

    print('§12 activation codes (activation-codes.json)')
    ac = load_vectors(vectors_dir, 'activation-codes.json')
    check('K_code', code_hash(hx(ac['masterKeyHex']), '0' * 16)[0].hex(), ac['codeKeyHex'])
    for v in ac['vectors']:
        h = code_hash(hx(ac['masterKeyHex']), read_code(v['code']))[1]
        check(f"code of {v['randomHex']}", code_from_random(hx(v['randomHex'])), v['code'])
        check(f"hash of {v['code']}", h, v['hash'])
    # Typed variants built from §12.3's rules (look-alikes, a changed symbol, a swap, lengths).
    check('look-alikes read as digits', read_code(' 1234-5678-I234-5678-f '), '1234567812345678')
    for typed, want in [('1234-5678-1234-5678-G', 'activation.code_mistyped'),
                        ('1234-5678-1243-5678-F', 'activation.code_mistyped'),
                        ('1234-5678-1234-5678', 'activation.code_malformed'),
                        ('1234-5678-1234-5678-FF', 'activation.code_malformed')]:
        check_refused(f'read_code({typed})', lambda: read_code(typed), want)
    print(f'selftest: {_checks} checks, all vectors match')


# ---------------------------------------------------------------- live demo
def expect_error(what, code, fn):
    try:
        fn()
    except TesseraError as e:
        if e.code != code:
            raise SystemExit(f'FAIL {what}: expected {code}, got {e.code} ({e})')
        print(f'  ok  {what}: refused with {e.code}' + (f' (HTTP {e.status})' if e.status else ''))
        return e
    raise SystemExit(f'FAIL {what}: expected {code}, got success')


def demo(cred, k_upd=None, code=None, vectors_dir=VECTORS_DIR):
    t = Terminal(cred)
    print('handshake (hmac-sha256)')
    s = t.login(suites=['hmac-sha256'] + [x for x in cred['suites'] if x != 'hmac-sha256'])
    if s['suite'] != 'hmac-sha256':
        raise SystemExit(f"FAIL the server chose {s['suite']} over hmac-sha256")
    print('GET /v1/session')
    r = t.signed('GET', '/v1/session')
    print('  ', r)
    if r['sessionId'] != s['id'] or r['terminalId'] != cred['terminalId']:
        raise SystemExit('FAIL GET /v1/session names another session')
    print('POST /v1/session/echo')
    body = {'amount': 12, 'note': 'from python', 'nested': {'a': [1, 2, 3]}}
    r = t.signed('POST', '/v1/session/echo', body)
    print('  ', r)
    if r['body'] != body or r['terminalId'] != cred['terminalId']:
        raise SystemExit('FAIL echo answered another body')

    print('negative tests (server side)')
    nonce = b64u(secrets.token_bytes(16))
    t.signed('GET', '/v1/session', nonce=nonce)
    expect_error('replayed request nonce', 'sig.replayed', lambda: t.signed('GET', '/v1/session', nonce=nonce))
    expect_error('body changed after signing', 'sig.digest_mismatch',
                 lambda: t.signed('POST', '/v1/session/echo', {'a': 1}, body_override=b'{"a":2}'))
    expect_error('stale created', 'sig.stale', lambda: t.signed('GET', '/v1/session', created=int(time.time()) - 3600))
    expect_error('signed for another URI', 'sig.invalid',
                 lambda: t.signed('GET', '/v1/session', target_override=cred['url'] + '/v1/session?x=1'))
    u = urllib.parse.urlsplit(cred['url'])
    upper = f'LOCALHOST:{u.port}' if u.port else 'LOCALHOST'
    expect_error('Host LOCALHOST, upper-case host signed as-is (§7.2)', 'sig.invalid',
                 lambda: t.signed('GET', '/v1/session', host_header=upper,
                                  target_override=f'{u.scheme}://{upper}/v1/session'))
    t.signed('GET', '/v1/session', host_header=upper,
             target_override=normalise_url(f'{u.scheme}://{upper}') + '/v1/session')
    print('  ok  Host LOCALHOST, signed lower-case: accepted')
    expect_error('unsigned GET /v1/session', 'sig.missing', lambda: t.json_call('GET', '/v1/session'))
    expect_error('finish replayed', 'auth.challenge_expired',
                 lambda: t.json_call('POST', '/v1/auth/finish', {'challengeId': s['_challengeId'],
                                                                 'terminalProof': s['_terminalProof']}))
    expect_error('hello with unknown member', 'input.invalid',
                 lambda: t.json_call('POST', '/v1/auth/hello', {'terminalId': cred['terminalId'], 'kid': cred['kid'],
                                                                'nonceT': b64u(secrets.token_bytes(32)),
                                                                'suites': ['hmac-sha256'], 'extra': 1}))
    hello = {'terminalId': cred['terminalId'], 'kid': cred['kid'], 'nonceT': b64u(secrets.token_bytes(32)),
             'suites': ['hmac-sha256']}
    t.json_call('POST', '/v1/auth/hello', hello)
    expect_error('hello replayed (same nonceT)', 'auth.replayed', lambda: t.json_call('POST', '/v1/auth/hello', hello))
    expect_error('no acceptable suite', 'auth.suite_unsupported',
                 lambda: Terminal(cred, False).login(suites=['hmac-nope']))

    print('negative tests (terminal side: refusing a wrong server proof)')
    wrong = dict(cred, serverId=cred['serverId'] + 'x')
    expect_error('credential expects another serverId', 'auth.server_not_genuine', lambda: Terminal(wrong, False).login())
    wrong = dict(cred, kid=cred['kid'] + 1)
    expect_error('hello names a kid the server lacks (decoy proof)', 'auth.server_not_genuine',
                 lambda: Terminal(wrong, False).login())
    wrong = dict(cred, _key=secrets.token_bytes(32))
    expect_error('fake server / wrong K_t', 'auth.server_not_genuine', lambda: Terminal(wrong, False).login())

    def flip_proof(response):
        p = response['serverProof']
        response['serverProof'] = ('B' if p[0] == 'A' else 'A') + p[1:]
    expect_error('serverProof altered in transit', 'auth.server_not_genuine',
                 lambda: Terminal(cred, False).login(tamper_hello=flip_proof))
    expect_error('suite changed in transit', 'auth.server_not_genuine',
                 lambda: Terminal(cred, False).login(suites=['hmac-sha256', 'hmac-sm3'],
                                                     tamper_hello=lambda r: r.update(suite='hmac-sm3')))
    if 'hmac-sm3' in cred['suites']:
        if 'hmac-sm3' in implemented_suites(['hmac-sm3']):
            print('handshake (hmac-sm3)')
            t_sm3 = Terminal(cred)
            if t_sm3.login(suites=['hmac-sm3', 'hmac-sha256'])['suite'] != 'hmac-sm3':
                raise SystemExit('FAIL the server did not choose hmac-sm3')
            print('  ', t_sm3.signed('GET', '/v1/session'))
        else:
            print('note: hmac-sm3 handshake skipped, this Python has no sm3 in hashlib')

    if k_upd is not None:
        print('update check (§11)')
        for current in ('0.0.1', '99.0.0'):
            m = t.check_update(k_upd, current, cred.get('lotId'))
            print(f'   current={current}: ', 'no update' if m is None else f"install {m['version']}")
        r = t.latest_update('0.0.1', cred.get('lotId'))
        if r.get('update'):
            # A valid Ed25519 key that is not the server's: the §11.6 example's.
            stranger = b64u_decode(load_vectors(vectors_dir, 'update-manifest.json')['updatePublicKey'], 32)
            expect_error('manifest under another K_upd', 'update.bad_signature',
                         lambda: decide_manifest(r['update'], stranger, '0.0.1', cred.get('lotId')))
            altered = json.loads(json.dumps(r['update']))
            altered['manifest']['size'] += 1
            expect_error('manifest altered in transit', 'update.bad_signature',
                         lambda: decide_manifest(altered, k_upd, '0.0.1', cred.get('lotId')))
            m = decide_manifest(r['update'], k_upd, '0.0.1', cred.get('lotId'))
            status, _, data = t.http('GET', f"/v1/updates/{m['version']}/file")
            if status != 200 or not data:
                raise SystemExit(f'FAIL GET /v1/updates/{m["version"]}/file answered HTTP {status}')
            expect_error('file altered in transit', 'update.hash_mismatch',
                         lambda: check_update_file(m, bytes([data[0] ^ 1]) + data[1:]))

    print('activation (§12.4)')
    typed = code or format_code('7GD2PKAYDXR834G3')
    expect_error('mistyped code refused locally', 'activation.code_mistyped',
                 lambda: t.activate(typed[:-1] + ('0' if typed[-1] != '0' else '1')))
    if 'activate' not in t.session['capabilities']:
        expect_error('activate without the activate capability', 'auth.capability_missing', lambda: t.activate(typed))
    else:
        try:
            print('  ', t.activate(typed))
        except TesseraError as e:
            print(f'   activate -> {e.code} (HTTP {e.status}): {e}')
    return t


def main(argv=None):
    ap = argparse.ArgumentParser(description='A Tessera terminal written from docs/protocol.md alone.')
    ap.add_argument('cmd', choices=['selftest', 'login', 'echo', 'update', 'activate', 'demo'])
    ap.add_argument('--credential')
    ap.add_argument('--vectors', default=VECTORS_DIR, help='the test/vectors directory')
    ap.add_argument('--body', default='{"hello":"tessera"}')
    ap.add_argument('--update-key', help='K_upd, base64url (from the OTP image in a real terminal)')
    ap.add_argument('--current', default='0.0.1')
    ap.add_argument('--lot')
    ap.add_argument('--code')
    a = ap.parse_args(argv)
    selftest(a.vectors)  # always: fail loudly before talking to anybody
    if a.cmd == 'selftest':
        return 0
    if not a.credential:
        ap.error(f'{a.cmd} needs --credential')
    if a.cmd == 'update' and not a.update_key:
        ap.error('update needs --update-key')
    try:
        cred = load_credential(a.credential)
        k_upd = b64u_decode(a.update_key, 32) if a.update_key else None
        if a.cmd == 'demo':
            demo(cred, k_upd, a.code, a.vectors)
            print('DEMO OK')
            return 0
        t = Terminal(cred)
        if a.cmd == 'login':
            print(json.dumps(t.signed('GET', '/v1/session'), indent=2))
        elif a.cmd == 'echo':
            print(json.dumps(t.signed('POST', '/v1/session/echo', json.loads(a.body)), indent=2))
        elif a.cmd == 'update':  # the update routes are public (§11.5): no session needed
            print(json.dumps(t.check_update(k_upd, a.current, a.lot), indent=2))
        elif a.cmd == 'activate':
            print(json.dumps(t.activate(a.code), indent=2))
    except TesseraError as e:
        print(f'tessera: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
