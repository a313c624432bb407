// The one error type of Tessera: a stable dotted code, an HTTP status and whether the
// message may be shown to a caller. The catalogue below is mirrored in docs/errors.md
// (a test keeps the two equal).

/** Every stable error code, with its HTTP status and a short title. */
export const ERROR_CATALOGUE = {
  'input.invalid': { status: 400, title: 'The request does not match the schema' },
  'input.invalid_encoding': { status: 400, title: 'A field is not in its required encoding' },
  'input.malformed_json': { status: 400, title: 'The body is not valid JSON' },
  'input.body_too_large': { status: 413, title: 'The body is larger than allowed' },
  'input.unsupported_media_type': { status: 415, title: 'The content type is not accepted' },
  'input.not_found': { status: 404, title: 'No such route' },
  'input.method_not_allowed': { status: 405, title: 'Method not allowed' },
  'input.malformed_request': { status: 400, title: 'The request is not valid HTTP/1.1' },
  'input.headers_too_large': { status: 431, title: 'The request line and headers are larger than allowed' },
  'input.request_timeout': { status: 408, title: 'The request did not arrive in time' },
  'input.expectation_failed': { status: 417, title: 'The Expect header asks for something this server does not do' },
  'auth.refused': { status: 401, title: 'Authentication refused' },
  'auth.challenge_expired': { status: 401, title: 'The challenge is unknown, used or expired' },
  'auth.replayed': { status: 401, title: 'This message was already seen' },
  'auth.suite_unsupported': { status: 400, title: 'No offered suite is acceptable' },
  'auth.server_not_genuine': { status: 502, title: 'The server failed to prove itself' },
  'auth.session_invalid': { status: 401, title: 'The session is unknown or expired' },
  'auth.capability_missing': { status: 403, title: 'The session lacks the capability for this call' },
  'sig.missing': { status: 401, title: 'The request carries no valid signature headers' },
  'sig.invalid': { status: 401, title: 'The request signature is invalid' },
  'sig.stale': { status: 401, title: 'The signature creation time is outside the allowed window' },
  'sig.replayed': { status: 401, title: 'The signature nonce was already used' },
  'sig.digest_mismatch': { status: 401, title: 'The content digest does not match the body' },
  'admin.unauthorized': { status: 401, title: 'Admin token missing or wrong' },
  'terminal.not_found': { status: 404, title: 'No such terminal' },
  'terminal.exists': { status: 409, title: 'A terminal with this id already exists' },
  'terminal.wrong_state': { status: 409, title: 'The terminal is not in a state that allows this' },
  'lot.exists': { status: 409, title: 'A lot with this id already exists' },
  'lot.not_found': { status: 404, title: 'No such lot' },
  'lot.bundle_invalid': { status: 400, title: 'The import bundle is altered or not made with this lot\'s key' },
  'lot.key_retired': { status: 409, title: 'The master key this lot was made under is no longer configured' },
  'terminal.revoked': { status: 409, title: 'The terminal is revoked' },
  'input.invalid_msisdn': { status: 400, title: 'The phone number is not a valid E.164 mobile number' },
  'input.invalid_iccid': { status: 400, title: 'The ICCID is malformed or fails its check digit' },
  'input.invalid_imsi': { status: 400, title: 'The IMSI is not 14–15 digits with a valid country code' },
  'input.invalid_se_serial': { status: 400, title: 'The secure-element serial is malformed' },
  'binding.facts_missing': { status: 400, title: 'A sensitive call must carry the SIM and secure-element facts' },
  'binding.facts_unsigned': { status: 401, title: 'The SIM and secure-element facts are not covered by the request signature' },
  'binding.required': { status: 403, title: 'This call needs an active SIM binding' },
  'binding.suspended': { status: 403, title: 'The binding is suspended; bind again with a verification code' },
  'binding.sim_changed': { status: 403, title: 'The SIM card is not the bound one' },
  'binding.subscriber_changed': { status: 403, title: 'The subscriber (IMSI) is not the bound one' },
  'binding.number_changed': { status: 403, title: 'The phone number is not the bound one' },
  'binding.se_changed': { status: 403, title: 'The secure element is not the bound one' },
  'binding.cooling_down': { status: 403, title: 'Sensitive calls are held for a while after a SIM change' },
  'binding.sim_swap_reported': { status: 403, title: 'The mobile operator reports a recent SIM swap' },
  'binding.not_found': { status: 404, title: 'No such binding' },
  'binding.code_invalid': { status: 403, title: 'The verification code is wrong' },
  'binding.code_expired': { status: 410, title: 'The verification code is expired or already used' },
  'binding.state_conflict': { status: 409, title: 'The binding is not in a state that allows this' },
  'binding.delivery_failed': { status: 503, title: 'The verification code could not be sent' },
  'binding.oracle_unavailable': { status: 503, title: 'The operator SIM-swap check is unavailable' },
  'activation.code_malformed': { status: 400, title: 'The activation code is not in the XXXX-XXXX-XXXX-XXXX-C format' },
  'activation.code_mistyped': { status: 400, title: 'The activation code\'s check character does not match: a character is mistyped' },
  'activation.code_invalid': { status: 403, title: 'The activation code is not valid' },
  'activation.code_used': { status: 409, title: 'The activation code was already used' },
  'activation.code_revoked': { status: 410, title: 'The activation code was revoked' },
  'activation.code_expired': { status: 410, title: 'The activation code has expired' },
  'activation.batch_exists': { status: 409, title: 'A code batch with this name already exists' },
  'activation.batch_not_found': { status: 404, title: 'No such code batch' },
  'rate.limited': { status: 429, title: 'Too many requests' },
  'ocra.invalid_suite': { status: 400, title: 'The OCRA suite is not valid' },
  'ocra.invalid_input': { status: 400, title: 'An OCRA input does not fit the suite' },
  'otp.image_corrupt': { status: 400, title: 'The OTP image is damaged or altered' },
  'otp.version_unsupported': { status: 400, title: 'The OTP image has a format version this software does not read' },
  'otp.already_written': { status: 409, title: 'The OTP storage was already written' },
  'otp.missing': { status: 400, title: 'No OTP image has been written' },
  'terminal.restricted': { status: 403, title: 'The terminal is in restricted mode: only software updates are allowed' },
  'hardware.unreadable': { status: 400, title: 'No hardware identifier could be read' },
  'update.exists': { status: 409, title: 'This update version is already published' },
  'update.not_found': { status: 404, title: 'No such update version' },
  'credential.invalid': { status: 400, title: 'The credential file is not valid' },
  'client.network': { status: 503, title: 'The server could not be reached' },
  'client.bad_response': { status: 502, title: 'The server answered with something unexpected' },
  'client.timeout': { status: 504, title: 'The server did not answer in time' },
  'config.invalid': { status: 500, title: 'The configuration is not valid' },
  'server.unavailable': { status: 503, title: 'A backing service is unavailable' },
  'server.internal': { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface TesseraErrorOptions {
  /** Overrides the catalogue status. */
  status?: number;
  /** Whether `message` may be shown to a remote caller (default: true below 500). */
  expose?: boolean;
  /** Seconds after which a retry may succeed (rate limits, lockouts). */
  retryAfterSeconds?: number;
  /** The input field the error is about. */
  field?: string;
  cause?: unknown;
}

/**
 * Base error: `code` is stable and machine-readable; `message` is for people.
 * @example throw new TesseraError('terminal.not_found', 'no terminal T-0001')
 */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message?: string, options: TesseraErrorOptions = {}) {
    super(message ?? ERROR_CATALOGUE[code].title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.status = options.status ?? ERROR_CATALOGUE[code].status;
    this.expose = options.expose ?? this.status < 500;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.field = options.field;
  }
}

/** True when `err` is a TesseraError, optionally with the given code. */
export function isTesseraError(err: unknown, code?: ErrorCode): err is TesseraError {
  return err instanceof TesseraError && (code === undefined || err.code === code);
}
