// What a request's Host (RFC 9110 §7.2) and Authorization headers must look like before
// anything reads them. The Host becomes the server URL written into credential and station
// files when TESSERA_PUBLIC_URL is unset, and it is the signed `@authority` of a request.

// uri-host [":" port], the host narrowed to what a server name is: a DNS-like name or an
// IP literal in brackets; no userinfo, spaces, quotes or percent-encoding.
const HOST = /^(?:[A-Za-z0-9._~-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::([0-9]{1,5}))?$/;

/**
 * True when `value` is a host and optional port a server can be reached at.
 * @example isValidHost('tessera.example:8443') // true
 * @example isValidHost('a b') // false
 */
export function isValidHost(value: string): boolean {
  const m = HOST.exec(value);
  return m !== null && (m[1] === undefined || Number(m[1]) <= 65535);
}

/**
 * Why the header lines of a request are refused (400 `input.malformed_request`), or
 * undefined. node:http keeps the first of repeated Host and Authorization lines and drops
 * the rest silently; a request with two of either is ambiguous (RFC 9112 §3.2 requires the
 * 400 for Host), so it is refused, as is an HTTP/1.1 request without a Host or a Host that
 * is not a host.
 */
export function headerLinesProblem(rawHeaders: readonly string[], host: string | undefined, http11: boolean): string | undefined {
  let hosts = 0;
  let authorizations = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
    else if (name.length === 13 && name.toLowerCase() === 'authorization') authorizations++;
  }
  if (hosts > 1) return 'a request may have one Host header, not several';
  if (authorizations > 1) return 'a request may have one Authorization header, not several';
  if (host === undefined) return http11 ? 'an HTTP/1.1 request needs a Host header' : undefined;
  return isValidHost(host) ? undefined : 'the Host header is not a host name or address with an optional port';
}
