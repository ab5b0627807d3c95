// Webhooks: a JSON POST signed with HMAC-SHA256 over "<timestamp>.<body>" (header X-Siyu-Signature: t=..,v1=..),
// with the message's idempotency key in Idempotency-Key. The host is checked against private addresses right
// before connecting, and the connection goes to exactly the address that was checked (no DNS rebinding).
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { assertPublicUrl, UnsafeUrlError } from '../../kernel/net/ssrf.ts';
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
      let checked: { url: URL; address: string };
      try {
        checked = await assertPublicUrl(target, allowPrivate);
      } catch (err) {
        if (err instanceof UnsafeUrlError) throw new ProviderError(`refused: ${err.message}`, false);
        throw err;
      }
      const body = JSON.stringify({ id: msg.idemKey, customer_id: msg.customerId, channel: msg.channel, ...msg.payload, text: msg.body });
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': msg.idemKey,
        'user-agent': 'Siyu-Webhook/1',
      };
      if (settings.secret) headers['x-siyu-signature'] = signWebhook(settings.secret, timestamp, body);
      const status = await post(checked.url, checked.address, headers, body);
      if (status >= 200 && status < 300) return { providerId: `http-${status}` };
      // 4xx other than 408/429 will not get better by retrying.
      throw new ProviderError(`the receiver answered HTTP ${status}`, status >= 500 || status === 408 || status === 429);
    },
  };
}

function post(url: URL, address: string, headers: Record<string, string>, body: string): Promise<number> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      timeout: 10_000,
      // Connect to the address that passed the check, whatever DNS says now.
      lookup: (_host: string, opts: any, cb: any) => (opts?.all ? cb(null, [{ address, family: address.includes(':') ? 6 : 4 }]) : cb(null, address, address.includes(':') ? 6 : 4)),
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', (err) => reject(new ProviderError(`webhook: ${err.message}`, true)));
    req.end(body);
  });
}
