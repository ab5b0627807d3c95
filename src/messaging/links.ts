// Tracked links, open pixels and unsubscribe links. A token names the workspace, the outbox message and (for
// clicks) the link's index, with an HMAC under the PII index key, so a token cannot be forged or pointed at
// another message. The redirect target is looked up from the stored message, never taken from the URL.
import crypto from 'node:crypto';
import type { Pii } from '../kernel/crypto/pii.ts';

export type LinkKind = 'c' | 'o' | 'u'; // click, open, unsubscribe

export interface LinkToken {
  kind: LinkKind;
  workspaceId: string;
  outboxId: number;
  index: number;
}

const sign = (pii: Pii, body: string) => pii.blindIndex('link', body).slice(0, 22);

export function linkToken(pii: Pii, t: LinkToken): string {
  const body = Buffer.from(`${t.kind}|${t.workspaceId}|${t.outboxId}|${t.index}`).toString('base64url');
  return `${body}.${sign(pii, body)}`;
}

export function readLinkToken(pii: Pii, token: string): LinkToken | null {
  const [body, mac] = token.split('.');
  if (!body || !mac) return null;
  const expected = sign(pii, body);
  if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return null;
  const [kind, workspaceId, outboxId, index] = Buffer.from(body, 'base64url').toString().split('|');
  if (!['c', 'o', 'u'].includes(kind)) return null;
  return { kind: kind as LinkKind, workspaceId, outboxId: Number(outboxId), index: Number(index) };
}

export const linkUrl = (base: string, pii: Pii, t: LinkToken) => `${base}/v1/t/${t.kind}/${linkToken(pii, t)}`;
