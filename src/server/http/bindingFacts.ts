// Reads the SIM and secure-element facts of a signed request from its header fields
// (docs/binding.md §Wire format). Each one present must be covered by the request
// signature, so it cannot be swapped in transit; then it is validated and normalized.
import type { FastifyRequest } from 'fastify';
import { BINDING_HEADERS, normalizeIccid, normalizeImsi, normalizeSeSerial } from '../../protocol/binding/simIdentifiers.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { normalizeMsisdn } from '../services/binding/msisdn.ts';

/** Normalized facts as presented; `msisdn` is undefined when the request did not carry it. */
export interface PresentedFacts {
  iccid: string;
  imsi: string;
  msisdn: string | undefined;
  seSerial: string;
}

function header(request: FastifyRequest, name: string, required: boolean): string | undefined {
  const value = request.headers[name];
  if (value === undefined || value === '') {
    if (required) throw new TesseraError('binding.facts_missing', `the ${name} header is missing`, { field: name });
    return undefined;
  }
  if (typeof value !== 'string') throw new TesseraError('binding.facts_missing', `the ${name} header must appear once`, { field: name });
  // RFC 9421 §2.1: the verifier returned the covered components; an unsigned fact is worthless.
  if (!request.signedComponents?.includes(name)) {
    throw new TesseraError('binding.facts_unsigned', `the ${name} header is not covered by the request signature`, { field: name });
  }
  return value;
}

/**
 * The facts of a verified signed request. Throws `binding.facts_missing` (400),
 * `binding.facts_unsigned` (401) or an `input.invalid_*` code naming the header.
 */
export function readPresentedFacts(request: FastifyRequest, opts: { requireMsisdn: boolean }): PresentedFacts {
  const iccid = header(request, BINDING_HEADERS.iccid, true)!;
  const imsi = header(request, BINDING_HEADERS.imsi, true)!;
  const seSerial = header(request, BINDING_HEADERS.seSerial, true)!;
  const msisdn = header(request, BINDING_HEADERS.msisdn, opts.requireMsisdn);
  return {
    iccid: normalizeIccid(iccid, BINDING_HEADERS.iccid),
    imsi: normalizeImsi(imsi, BINDING_HEADERS.imsi),
    seSerial: normalizeSeSerial(seSerial, BINDING_HEADERS.seSerial),
    msisdn: msisdn === undefined ? undefined : normalizeMsisdn(msisdn, BINDING_HEADERS.msisdn),
  };
}
