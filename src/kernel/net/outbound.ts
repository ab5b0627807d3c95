// Outbound HTTP to addresses operators configure (webhooks, SMS gateways): the URL is checked against private
// addresses right before connecting, and the connection goes to exactly the address that was checked, whatever DNS
// says a moment later (no DNS rebinding). Answers the status and the body; network errors are retryable.
import http from 'node:http';
import https from 'node:https';
import { assertPublicUrl } from './ssrf.ts';

export class OutboundError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export interface OutboundResponse {
  status: number;
  body: string;
}

/** POSTs `body` to `target`; throws UnsafeUrlError for a refused address, OutboundError for a network failure. */
export async function postChecked(target: string, headers: Record<string, string>, body: string, allowPrivate: boolean, timeoutMs = 10_000): Promise<OutboundResponse> {
  const { url, address } = await assertPublicUrl(target, allowPrivate);
  const lib = url.protocol === 'https:' ? https : http;
  const family = address.includes(':') ? 6 : 4;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      timeout: timeoutMs,
      lookup: (_host: string, opts: any, cb: any) => (opts?.all ? cb(null, [{ address, family }]) : cb(null, address, family)),
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 1_000_000) chunks.push(c); // an answer is small; never hold a runaway one
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs / 1000} s`)));
    req.on('error', (err) => reject(new OutboundError(err.message, true)));
    req.end(body);
  });
}
