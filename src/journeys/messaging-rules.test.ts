// Pure parts of messaging: the private-address guard, quiet hours across midnight in a customer's zone, the
// sample-ratio check and the conversion-difference interval journeys report.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertPublicUrl, isPrivateAddress, UnsafeUrlError } from '../kernel/net/ssrf.ts';
import { quietUntil } from '../messaging/quiet-hours.ts';
import { chiSquareSurvival, diffInterval, sampleRatio } from './stats.ts';
import { matchesFilters } from './definition.ts';

describe('messaging rules', () => {
  it('refuses private, loopback, link-local and mapped addresses', async () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1']) {
      assert.equal(isPrivateAddress(ip), true, ip);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2001:4860:4860::8888']) assert.equal(isPrivateAddress(ip), false, ip);
    await assert.rejects(assertPublicUrl('http://127.0.0.1:8080/hook', false), UnsafeUrlError);
    await assert.rejects(assertPublicUrl('http://[::1]/hook', false), UnsafeUrlError);
    await assert.rejects(assertPublicUrl('http://localhost/hook', false), UnsafeUrlError);
    await assert.rejects(assertPublicUrl('file:///etc/passwd', false), /only http and https/);
    await assert.rejects(assertPublicUrl('http://user:pw@8.8.8.8/', false), /credentials/);
    assert.equal((await assertPublicUrl('https://8.8.8.8/hook', false)).address, '8.8.8.8');
  });

  it('quiet hours wrap midnight and follow the customer time zone', () => {
    const quiet = { start: '21:00', end: '09:00' };
    // 22:30 in Shanghai → 09:00 next morning Shanghai time.
    assert.equal(quietUntil(new Date('2026-12-01T14:30:00Z'), quiet, 'Asia/Shanghai')?.toISOString(), '2026-12-02T01:00:00.000Z');
    // 03:00 in Shanghai → 09:00 the same morning.
    assert.equal(quietUntil(new Date('2026-12-01T19:00:00Z'), quiet, 'Asia/Shanghai')?.toISOString(), '2026-12-02T01:00:00.000Z');
    // The same instant is 14:30 in London: not quiet there.
    assert.equal(quietUntil(new Date('2026-12-01T14:30:00Z'), quiet, 'Europe/London'), null);
    assert.equal(quietUntil(new Date('2026-12-01T14:30:00Z'), null, 'Asia/Shanghai'), null);
    // A window within one day.
    assert.equal(quietUntil(new Date('2026-12-01T05:00:00Z'), { start: '12:00', end: '14:00' }, 'Asia/Shanghai')?.toISOString(), '2026-12-01T06:00:00.000Z');
  });

  it('flags a sample-ratio mismatch and gives a conversion-difference interval', () => {
    assert.ok(Math.abs(chiSquareSurvival(3.841, 1) - 0.05) < 1e-3);
    assert.ok(Math.abs(chiSquareSurvival(5.991, 2) - 0.05) < 1e-3);
    assert.equal(sampleRatio([5020, 4980], [50, 50]).mismatch, false);
    assert.equal(sampleRatio([5400, 4600], [50, 50]).mismatch, true);
    const d = diffInterval(120, 1000, 80, 1000);
    assert.ok(Math.abs(d.difference - 0.04) < 1e-12);
    assert.ok(d.low > 0 && d.significant);
  });

  it('matches event property filters', () => {
    const props = { plan: 'pro', amount: 120, tags: ['a', 'b'], shop: { city: '杭州' } };
    assert.ok(matchesFilters(props, [{ property: 'plan', op: 'eq', value: 'pro' }, { property: 'amount', op: 'gte', value: 100 }]));
    assert.ok(matchesFilters(props, [{ property: 'shop.city', op: 'in', value: ['杭州', '上海'] }, { property: 'tags', op: 'contains', value: 'b' }]));
    assert.equal(matchesFilters(props, [{ property: 'amount', op: 'lt', value: 100 }]), false);
    assert.equal(matchesFilters(props, [{ property: 'missing', op: 'exists' }]), false);
  });
});
