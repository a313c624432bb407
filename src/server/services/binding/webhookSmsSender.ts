// The SmsSender for a real SMS gateway: POSTs the message as JSON to a webhook, with a
// bearer token and the binding id as idempotency key. Redirects are refused (the number
// and code go to the configured URL only) and a slow gateway times out.
import { TesseraError } from '../../../protocol/errors.ts';
import type { SmsSender } from './smsSender.ts';

/** Options of {@link createWebhookSmsSender}. */
export interface WebhookSmsSenderOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Default 5000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Creates the webhook sender. The body is `{to, text, code, purpose, reference, expiresAt}`;
 * any 2xx answer counts as accepted.
 * @example createWebhookSmsSender({ url: 'https://sms.example/send', token })
 */
export function createWebhookSmsSender(opts: WebhookSmsSenderOptions): SmsSender {
  const fetchFn = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 5000;
  return {
    name: 'webhook',
    async send(m) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': m.reference };
      if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
      const body = JSON.stringify({ to: m.to, text: m.text, code: m.code, purpose: m.purpose, reference: m.reference, expiresAt: m.expiresAt.toISOString() });
      let res: Response;
      try {
        res = await fetchFn(opts.url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new TesseraError('binding.delivery_failed', `the SMS webhook could not be reached (${(err as Error).name})`, { cause: err });
      }
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299) throw new TesseraError('binding.delivery_failed', `the SMS webhook answered ${res.status}`);
    },
  };
}
