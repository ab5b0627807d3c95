// PII key ring: AES-256-GCM data keys by version (rotation adds a version; old ciphertexts stay readable) and one
// stable blind-index key (HMAC-SHA256) so equality lookups keep working across rotations.
//
// Sources, in order: SIYU_PII_KEY (base64 master key; keys derived with HKDF), else the key file
// (JSON {"current":"k2","keys":{"k1":"<b64>","k2":"<b64>"},"index":"<b64>"}), which is created on first start.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface KeyRing {
  current: string;
  keys: Map<string, Buffer>;
  indexKey: Buffer;
}

interface KeyFile {
  current: string;
  keys: Record<string, string>;
  index: string;
}

export function loadKeyRing(opts: { piiKey?: string; piiKeyFile: string }): KeyRing {
  if (opts.piiKey) return fromMaster(decodeKey(opts.piiKey, 'SIYU_PII_KEY'));
  if (!fs.existsSync(opts.piiKeyFile)) writeKeyFile(opts.piiKeyFile, newKeyFile());
  const file = JSON.parse(fs.readFileSync(opts.piiKeyFile, 'utf8')) as KeyFile;
  return fromFile(file, opts.piiKeyFile);
}

/** Adds a new data key and makes it current. Existing ciphertexts remain readable; re-encrypt with `siyu pii rotate`. */
export function rotateKeyFile(file: string): string {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
  const next = `k${Object.keys(data.keys).length + 1}`;
  data.keys[next] = crypto.randomBytes(32).toString('base64');
  data.current = next;
  writeKeyFile(file, data);
  return next;
}

export function keyRingForTests(): KeyRing {
  return fromMaster(crypto.createHash('sha256').update('siyu-test-key').digest());
}

function fromMaster(master: Buffer): KeyRing {
  const derive = (info: string) => Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return { current: 'm1', keys: new Map([['m1', derive('siyu-pii-data-v1')]]), indexKey: derive('siyu-pii-blind-index') };
}

function fromFile(file: KeyFile, where: string): KeyRing {
  const keys = new Map(Object.entries(file.keys).map(([v, k]) => [v, decodeKey(k, `${where} keys.${v}`)]));
  if (!keys.has(file.current)) throw new Error(`${where}: current key "${file.current}" is not in keys`);
  return { current: file.current, keys, indexKey: decodeKey(file.index, `${where} index`) };
}

function newKeyFile(): KeyFile {
  return { current: 'k1', keys: { k1: crypto.randomBytes(32).toString('base64') }, index: crypto.randomBytes(32).toString('base64') };
}

function writeKeyFile(file: string, data: KeyFile) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2), { mode: 0o600 });
}

function decodeKey(b64: string, name: string): Buffer {
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes, base64-encoded (got ${key.length} bytes)`);
  return key;
}
