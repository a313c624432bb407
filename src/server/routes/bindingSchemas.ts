// JSON schemas (TypeBox) of the binding API. Requests refuse unknown fields; identifiers
// are bounded here and validated by the service, which names the field in its error code.
import Type from 'typebox';
import { BINDING_ID_PATTERN } from '../services/binding/bindingIds.ts';
import { closed, pageLimit, terminalId } from './schemas.ts';

const bindingId = Type.String({ pattern: BINDING_ID_PATTERN });
const appId = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });
const nullableString = Type.Union([Type.String(), Type.Null()]);

export const BindingReply = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  appId: Type.String(),
  status: Type.String(),
  reason: nullableString,
  msisdnLast4: Type.String(),
  hashKid: Type.Integer(),
  exclusive: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  verifiedAt: nullableString,
  endedAt: nullableString,
  cooldownUntil: nullableString,
  expiresAt: nullableString,
});

export const RegisterBindingBody = Type.Object({ msisdn: Type.String({ minLength: 1, maxLength: 40 }), appId: Type.Optional(appId) }, closed);
export const RegisterBindingReply = Type.Object({ binding: BindingReply, codeLength: Type.Integer(), codeExpiresAt: Type.String() });
export const ConfirmBindingBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{6,8}$' }) }, closed);
export const BindingParams = Type.Object({ id: bindingId }, closed);

export const ListBindingsQuery = Type.Object(
  {
    terminalId: Type.Optional(terminalId),
    appId: Type.Optional(appId),
    status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('suspended'), Type.Literal('ended')])),
    msisdn: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    limit: pageLimit,
    before: Type.Optional(bindingId),
  },
  closed,
);
export const ListBindingsReply = Type.Object({ bindings: Type.Array(BindingReply), next: nullableString });

export const SecureEchoBody = Type.Record(Type.String(), Type.Unknown(), { maxProperties: 64 });
export const SecureEchoReply = Type.Object({ terminalId: Type.String(), bindingId: Type.String(), body: SecureEchoBody });
