// Field encryption (AES-256-GCM, "version:iv.tag.ciphertext" in base64url) and keyed blind indexes for lookups.
import crypto from 'node:crypto';
import type { KeyRing } from './keyring.ts';

export class Pii {
  constructor(private readonly ring: KeyRing) {}

  encrypt(plain: string): string {
    const { version, iv, tag, body } = this.seal(plain);
    return `${version}:${iv.toString('base64url')}.${tag.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(sealed: string): string {
    const colon = sealed.indexOf(':');
    const [iv, tag, body] = sealed.slice(colon + 1).split('.').map((p) => Buffer.from(p, 'base64url'));
    return this.open(sealed.slice(0, colon), iv, tag, body).toString('utf8');
  }

  /**
   * The same sealing for bulk bytes (the ingest log's entries), without base64: one byte of key-version length, the
   * version, the 12-byte iv, the 16-byte tag, then the ciphertext.
   */
  sealBytes(plain: string): Buffer {
    const { version, iv, tag, body } = this.seal(plain);
    const v = Buffer.from(version, 'utf8');
    return Buffer.concat([Buffer.from([v.length]), v, iv, tag, body]);
  }

  openBytes(sealed: Uint8Array): Buffer {
    const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const end = 1 + b[0];
    return this.open(b.subarray(1, end).toString('utf8'), b.subarray(end, end + 12), b.subarray(end + 12, end + 28), b.subarray(end + 28));
  }

  /** AES-256-GCM with the current key and a fresh iv. */
  private seal(plain: string): { version: string; iv: Buffer; tag: Buffer; body: Buffer } {
    const version = this.ring.current;
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.ring.keys.get(version)!, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { version, iv, tag: cipher.getAuthTag(), body };
  }

  private open(version: string, iv: Buffer, tag: Buffer, body: Buffer): Buffer {
    const key = this.ring.keys.get(version);
    if (!key) throw new Error(`PII key version "${version}" is not in the key ring`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  }

  /** True when the ciphertext was sealed with an older key and should be re-encrypted. */
  isStale(sealed: string): boolean {
    return !sealed.startsWith(`${this.ring.current}:`);
  }

  /** Keyed blind index: equal (normalized) inputs give equal hashes; without the key the hash reveals nothing. */
  blindIndex(kind: string, normalized: string): string {
    return crypto.createHmac('sha256', this.ring.indexKey).update(`${kind}\u0000${normalized}`).digest('base64url');
  }
}
