// Helpers of the signed-update end-to-end tests: publish over the admin API, make files and
// OTP images, and a man-in-the-middle fetch that rewrites what the server answers.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { fingerprintHash } from '../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { buildOtpImage } from '../../src/protocol/otp/otpImage.ts';
import type { UpdateManifest } from '../../src/protocol/updates/updateManifest.ts';
import { simulatedDescriptor } from '../../src/terminal/hardwareFingerprint.ts';
import type { FetchLike } from '../../src/terminal/httpTransport.ts';
import type { TestServer } from './testServer.ts';

/** A signed manifest as the API returns it. */
export interface SignedJson {
  manifest: UpdateManifest;
  signature: string;
}

/** Deterministic file bytes of a size. */
export function fileOf(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + seed * 7 + (i >>> 9)) & 0xff;
  return out;
}

/** POST /v1/admin/updates with the file as the body. */
export function publishRaw(server: TestServer, version: string, file: Uint8Array, q: { minVersion?: string; lots?: string; fileName?: string; contentType?: string; token?: string | null } = {}): Promise<Response> {
  const params = new URLSearchParams({ version, fileName: q.fileName ?? `fw-${version}.bin` });
  if (q.minVersion) params.set('minVersion', q.minVersion);
  if (q.lots) params.set('lots', q.lots);
  const token = q.token === undefined ? server.env['TESSERA_ADMIN_TOKEN'] : q.token;
  return fetch(`${server.url}/v1/admin/updates?${params}`, {
    method: 'POST',
    headers: { 'content-type': q.contentType ?? 'application/octet-stream', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: file,
  });
}

/** Publishes and returns the signed manifest; throws unless 201. */
export async function publish(server: TestServer, version: string, file: Uint8Array, q: { minVersion?: string; lots?: string } = {}): Promise<SignedJson> {
  const res = await publishRaw(server, version, file, q);
  if (res.status !== 201) throw new Error(`publish ${version}: ${res.status} ${await res.text()}`);
  const { manifest, signature } = (await res.json()) as SignedJson;
  return { manifest, signature };
}

/**
 * The OTP image of a terminal made for the hardware of `seed` (its key is random: these tests
 * never log in), carrying the server's URL and update key.
 */
export function otpImageFor(server: TestServer, terminalId: string, lotId: string, seed: string): Uint8Array {
  const p = nodePrimitives;
  return buildOtpImage(
    p,
    { lotId, terminalId, kid: 1, serverId: server.config.serverId, url: server.url, handshakeSuites: ['hmac-sha256'], aeadSuites: ['aes-256-gcm'], updatePublicKey: server.config.updateKey.publicKey },
    new Uint8Array(randomBytes(32)),
    fingerprintHash(p, simulatedDescriptor(p, seed)),
  );
}

/** A fetch that lets `rewrite` replace the answer to requests whose path matches. */
export function interceptingFetch(match: RegExp, rewrite: (res: Response) => Promise<Response>): FetchLike {
  return async (url, init) => {
    const res = await fetch(url, init as RequestInit);
    return match.test(new URL(url).pathname) ? rewrite(res) : res;
  };
}

/** A JSON answer with `body`. */
export const jsonResponse = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

/** An octet-stream answer with `bytes` (content-length set to their length). */
export const bytesResponse = (bytes: Uint8Array) => new Response(bytes, { status: 200, headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) } });

/** Another Ed25519 public key (base64url): it signs nothing the server publishes. */
export const strangerKey = () => toBase64Url(new Uint8Array(generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12)));
