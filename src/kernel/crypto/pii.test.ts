import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKeyRing, rotateKeyFile } from './keyring.ts';
import { Pii } from './pii.ts';
import { maskEmail, maskName, maskPhone } from './mask.ts';

describe('PII encryption', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-keys-'));
  const file = path.join(dir, 'keys.json');

  it('creates a key file on first use, readable by its owner only', () => {
    loadKeyRing({ piiKeyFile: file });
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('round-trips with AES-256-GCM, never the same ciphertext twice, and detects tampering', () => {
    const pii = new Pii(loadKeyRing({ piiKeyFile: file }));
    const a = pii.encrypt('13912345678');
    const b = pii.encrypt('13912345678');
    assert.notEqual(a, b);
    assert.equal(pii.decrypt(a), '13912345678');
    const [head, body] = [a.slice(0, -2), a.slice(-2)];
    const tampered = head + (body === 'AA' ? 'AB' : 'AA');
    assert.throws(() => pii.decrypt(tampered));
  });

  it('seals bytes the same way: round trip, fresh iv each time, tampering detected, old keys still open', () => {
    const pii = new Pii(loadKeyRing({ piiKeyFile: file }));
    const plain = JSON.stringify({ phone: '13912345678', name: '王小明' }).repeat(50);
    const a = pii.sealBytes(plain);
    assert.notDeepEqual(a, pii.sealBytes(plain));
    assert.ok(!a.toString('latin1').includes('13912345678'));
    assert.equal(pii.openBytes(a).toString('utf8'), plain);
    const tampered = Buffer.from(a);
    tampered[tampered.length - 1] ^= 1;
    assert.throws(() => pii.openBytes(tampered));
    rotateKeyFile(file);
    assert.equal(new Pii(loadKeyRing({ piiKeyFile: file })).openBytes(a).toString('utf8'), plain);
  });

  it('keeps old ciphertexts readable and blind indexes stable across a key rotation', () => {
    const before = new Pii(loadKeyRing({ piiKeyFile: file }));
    const sealed = before.encrypt('王小明');
    const index = before.blindIndex('name', '王小明');
    const version = rotateKeyFile(file);
    const after = new Pii(loadKeyRing({ piiKeyFile: file }));
    assert.equal(after.decrypt(sealed), '王小明');
    assert.ok(after.isStale(sealed));
    assert.ok(after.encrypt('x').startsWith(`${version}:`));
    assert.equal(after.blindIndex('name', '王小明'), index);
  });

  it('derives keys from SIYU_PII_KEY and rejects keys of the wrong size', () => {
    const ring = loadKeyRing({ piiKey: Buffer.alloc(32, 7).toString('base64'), piiKeyFile: '/nonexistent' });
    assert.equal(new Pii(ring).decrypt(new Pii(ring).encrypt('ok')), 'ok');
    assert.throws(() => loadKeyRing({ piiKey: 'c2hvcnQ=', piiKeyFile: '/nonexistent' }), /32 bytes/);
  });

  it('blind indexes differ by kind, so a phone hash cannot be matched against a name hash', () => {
    const pii = new Pii(loadKeyRing({ piiKeyFile: file }));
    assert.notEqual(pii.blindIndex('phone', '123'), pii.blindIndex('user_id', '123'));
  });

  it('masks the way Chinese apps do', () => {
    assert.equal(maskPhone('13812341234'), '138****1234');
    assert.equal(maskEmail('alice@example.com'), 'a***@example.com');
    assert.equal(maskName('张伟'), '张*');
    assert.equal(maskName('Alice Smith'), 'A. S.');
  });
});
