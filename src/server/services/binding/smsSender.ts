// The SmsSender adapter and its development implementation: codes are appended to an
// outbox file (mode 0600) that the developer reads; the shared log only says where the
// code went, never the code.
import { appendFile, chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';

/** One verification message. `to` is E.164; `text` holds the code. */
export interface SmsMessage {
  to: string;
  text: string;
  code: string;
  purpose: 'binding';
  /** Reference of the message: the binding id (also the idempotency key). */
  reference: string;
  expiresAt: Date;
}

/** Delivers verification messages. Rejects with `binding.delivery_failed` when it cannot. */
export interface SmsSender {
  /** Short name for logs and events (`outbox`, `webhook`). */
  readonly name: string;
  send(message: SmsMessage): Promise<void>;
}

/** The number with all but its last four digits masked, for logs and the outbox. */
export function maskNumber(e164: string): string {
  return e164.replace(/\d(?=\d{4})/g, '•');
}

/** The text of a binding code message. */
export function bindingCodeText(code: string, ttlMinutes: number): string {
  return `Tessera code ${code}. It binds this phone to your app and expires in ${ttlMinutes} min. Never share it.`;
}

/**
 * The development sender: appends `time to=… reference=… code=… expires=…` lines to a 0600 file.
 * @example createOutboxSmsSender('/srv/tessera/sms-outbox.log', log)
 */
export function createOutboxSmsSender(path: string, log: FastifyBaseLogger, now: () => number = Date.now): SmsSender {
  let warned = false;
  return {
    name: 'outbox',
    async send(m) {
      if (!warned) {
        warned = true;
        log.warn({ outbox: path }, 'binding codes go to the development outbox file; set TESSERA_BINDING_SMS_WEBHOOK_URL for real SMS');
      }
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const line = `${new Date(now()).toISOString()} to=${maskNumber(m.to)} reference=${m.reference} code=${m.code} expires=${m.expiresAt.toISOString()}\n`;
      await appendFile(path, line, { mode: 0o600 });
      await chmod(path, 0o600);
      log.info({ reference: m.reference, to: maskNumber(m.to), outbox: path }, 'verification code written to the outbox file');
    },
  };
}
