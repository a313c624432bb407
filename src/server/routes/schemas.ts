// JSON schemas (TypeBox) of the HTTP API. Requests refuse unknown fields; responses are
// serialized through their schema, so nothing unlisted can leak into a body.
import Type from 'typebox';
import { LOT_ID_PATTERN } from '../../protocol/factory/lotKeys.ts';
import { HANDSHAKE_LIMITS as L } from '../../protocol/handshake/messages.ts';
import { ULID_PATTERN } from '../store/ulid.ts';

const b64u = (bytes: number) => Type.String({ pattern: `^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$` });
export const suiteName = Type.String({ minLength: 1, maxLength: L.maxSuiteName, pattern: '^[A-Za-z0-9:._-]+$' });
export const terminalId = Type.String({ pattern: L.terminalIdPattern });
export const closed = { additionalProperties: false } as const;
/** Free text: no control characters and no lone surrogates (PostgreSQL text cannot hold NUL). */
export const plainText = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]*$' });
/** A dotted event type such as `auth.failed`. */
const eventType = Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' });
/** An event id (ULID: 26 Crockford base32 characters), the keyset cursor of the event list. */
const eventId = Type.String({ pattern: ULID_PATTERN });
/** The optional `limit` of a list query: 1 to 1000 (the page size; see paging.ts). */
export const pageLimit = Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$' }));

export const HelloBody = Type.Object(
  {
    terminalId,
    kid: Type.Integer({ minimum: 1, maximum: L.maxKid }),
    lotId: Type.Optional(Type.String({ pattern: LOT_ID_PATTERN })),
    nonceT: b64u(L.nonceBytes),
    suites: Type.Array(suiteName, { minItems: 1, maxItems: L.maxSuites }),
    evidence: Type.Optional(Type.Object({ salt: b64u(16), mac: b64u(32) }, closed)),
  },
  closed,
);
export const HelloReply = Type.Object({ challengeId: Type.String(), suite: Type.String(), nonceS: Type.String(), serverProof: Type.String(), expiresAt: Type.String() });
export const FinishBody = Type.Object({ challengeId: Type.String({ minLength: 1, maxLength: 64 }), terminalProof: Type.String({ minLength: 1, maxLength: L.maxProof }) }, closed);
export const FinishReply = Type.Object({ sessionId: Type.String(), expiresAt: Type.String(), capabilities: Type.Array(Type.String()), serverConfirm: Type.String() });
export const SessionReply = Type.Object({ sessionId: Type.String(), terminalId: Type.String(), suite: Type.String(), expiresAt: Type.String(), capabilities: Type.Array(Type.String()) });

export const TerminalReply = Type.Object({
  id: Type.String(),
  kid: Type.Integer(),
  status: Type.String(),
  suites: Type.Array(Type.String()),
  label: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lotId: Type.Union([Type.String(), Type.Null()]),
  /** Whether the terminal was made for recorded hardware (factory-made); the hash itself stays inside. */
  hardwareBound: Type.Boolean(),
});
export const AddTerminalBody = Type.Object(
  { id: terminalId, label: Type.Optional(plainText(200)), suites: Type.Optional(Type.Array(suiteName, { minItems: 1, maxItems: L.maxSuites })) },
  closed,
);
export const CredentialReply = Type.Object({
  version: Type.Literal(1),
  terminalId: Type.String(),
  kid: Type.Integer(),
  key: Type.String(),
  serverId: Type.String(),
  url: Type.String(),
  suites: Type.Array(Type.String()),
});
export const AddTerminalReply = Type.Object({ terminal: TerminalReply, credential: CredentialReply });
export const TerminalParams = Type.Object({ id: terminalId }, closed);
export const ListTerminalsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('provisioned'), Type.Literal('active'), Type.Literal('restricted'), Type.Literal('revoked')])),
    limit: pageLimit,
    after: Type.Optional(terminalId),
  },
  closed,
);
export const ListTerminalsReply = Type.Object({ terminals: Type.Array(TerminalReply), next: Type.Union([Type.String(), Type.Null()]) });
export const EventReply = Type.Object({
  id: Type.String(),
  at: Type.String(),
  type: Type.String(),
  terminalId: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export const ListEventsQuery = Type.Object(
  { terminalId: Type.Optional(terminalId), type: Type.Optional(eventType), limit: pageLimit, before: Type.Optional(eventId) },
  closed,
);
export const ListEventsReply = Type.Object({ events: Type.Array(EventReply) });
export const EchoBody = Type.Record(Type.String(), Type.Unknown(), { maxProperties: 64 });
export const EchoReply = Type.Object({ terminalId: Type.String(), body: EchoBody });

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  code: Type.String(),
  detail: Type.Optional(Type.String()),
  field: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
});
