// Webhooks: a JSON POST signed with HMAC-SHA256 over "<timestamp>.<body>" (header X-Siyu-Signature: t=..,v1=..),
// with the message's idempotency key in Idempotency-Key, sent only to a public address (kernel/net/outbound.ts).
import crypto from 'node:crypto';
import { UnsafeUrlError } from '../../kernel/net/ssrf.ts';
import { OutboundError, postChecked } from '../../kernel/net/outbound.ts';
import { ProviderError, type Provider } from './provider.ts';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers: checks a signature header and that the timestamp is within `toleranceS` of now. */
export function verifyWebhook(secret: string, header: string, body: string, nowS: number, toleranceS = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(nowS - t) > toleranceS || !parts.v1) return false;
  const expected = signWebhook(secret, t, body).split('v1=')[1];
  return parts.v1.length === expected.length && crypto.timingSafeEqual(Buffer.from(parts.v1), Buffer.from(expected));
}

export function webhookProvider(allowPrivate: boolean): Provider {
  return {
    addressOf: () => null, // the URL comes from the journey node or the provider settings
    async send(msg, settings) {
      const target = msg.to ?? settings.config.url;
      if (!target) throw new ProviderError('no webhook URL', false);
      const body = JSON.stringify({ id: msg.idemKey, customer_id: msg.customerId, channel: msg.channel, ...msg.payload, text: msg.body });
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': msg.idemKey,
        'user-agent': 'Siyu-Webhook/1',
      };
      if (settings.secret) headers['x-siyu-signature'] = signWebhook(settings.secret, timestamp, body);
      const { status } = await sendChecked(target, headers, body, allowPrivate, 'webhook');
      if (status >= 200 && status < 300) return { providerId: `http-${status}` };
      // 4xx other than 408/429 will not get better by retrying.
      throw new ProviderError(`the receiver answered HTTP ${status}`, status >= 500 || status === 408 || status === 429);
    },
  };
}

/** postChecked with its failures as provider errors: a refused address is permanent, a network failure retryable. */
export async function sendChecked(target: string, headers: Record<string, string>, body: string, allowPrivate: boolean, what: string) {
  try {
    return await postChecked(target, headers, body, allowPrivate);
  } catch (err) {
    if (err instanceof UnsafeUrlError) throw new ProviderError(`refused: ${err.message}`, false);
    if (err instanceof OutboundError) throw new ProviderError(`${what}: ${err.message}`, err.retryable);
    throw err;
  }
}
