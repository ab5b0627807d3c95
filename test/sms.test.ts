// SMS through the Aliyun and Tencent Cloud APIs, against local stand-ins that check each request's signature the
// way the providers document it: approved template codes with rendered parameters, the idempotency key as the
// provider's reference, retries on flow control, permanent failures for refused numbers and bad credentials.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type TestPlatform } from './helpers/platform.ts';
import { BAD_PHONE, SMS_CREDENTIALS, startSmsGateways, type SmsGateways } from './helpers/sms-gateways.ts';
import { ManualClock } from '../src/kernel/clock.ts';

describe('SMS providers', () => {
  let t: TestPlatform;
  let gw: SmsGateways;
  const clock = new ManualClock(new Date('2026-11-24T03:00:00Z')); // 11:00 in Shanghai, outside quiet hours
  const ids: Record<string, number> = {};

  const dispatch = async () => {
    while (await t.platform.dispatcher.runOnce()) {}
  };
  const send = (customer: string, channel: string, template: string, reference: string) =>
    t.api('POST', '/v1/messages', { customer_id: ids[customer], channel, template, reference });
  const message = async (id: number) => (await t.api('GET', `/v1/messages?limit=500`)).body.messages.find((m: any) => m.id === id);

  before(async () => {
    gw = await startSmsGateways();
    t = await startPlatform('pglite', { clock, runImports: false, config: { allowPrivateOutbound: true } });
    for (const [name, phone] of [['wang', '13912345678'], ['li', BAD_PHONE], ['zhao', '13700001111']]) {
      const r = await t.track('/v1/identify', { userId: name, messageId: `id-${name}`, traits: { name: name === 'wang' ? '王小明' : name, phone } });
      ids[name] = r.body.results[0].customerId;
      await t.api('PUT', `/v1/customers/${ids[name]}/consents`, { consents: [{ channel: 'sms', granted: true }, { channel: 'sms_tc', granted: true }] });
    }
  });
  after(async () => {
    await t?.close();
    await gw?.close();
  });

  it('sets up both providers; a secret is required and never shown', async () => {
    const missing = await t.api('PUT', '/v1/channels/sms', { kind: 'aliyun_sms', config: { accessKeyId: SMS_CREDENTIALS.aliyun.id, signName: '山茶花' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.problems[0].field, 'secret');
    const ali = await t.api('PUT', '/v1/channels/sms', {
      kind: 'aliyun_sms', config: { accessKeyId: SMS_CREDENTIALS.aliyun.id, signName: '山茶花', endpoint: `${gw.url}/aliyun` }, secret: SMS_CREDENTIALS.aliyun.secret, dailyQuota: 1000,
    });
    assert.equal(ali.status, 200, JSON.stringify(ali.body));
    assert.equal(ali.body.has_secret, true);
    assert.equal(JSON.stringify(ali.body).includes(SMS_CREDENTIALS.aliyun.secret), false);
    const badApp = await t.api('PUT', '/v1/channels/sms_tc', { kind: 'tencent_sms', config: { secretId: 'x', sdkAppId: 'app', signName: 's' }, secret: 'y' });
    assert.equal(badApp.status, 400);
    assert.match(JSON.stringify(badApp.body.error.problems), /sdkAppId/);
    const tc = await t.api('PUT', '/v1/channels/sms_tc', {
      kind: 'tencent_sms', config: { secretId: SMS_CREDENTIALS.tencent.id, sdkAppId: '1400006666', signName: '山茶花', endpoint: `${gw.url}/tencent` }, secret: SMS_CREDENTIALS.tencent.secret,
    });
    assert.equal(tc.status, 200, JSON.stringify(tc.body));
    for (const [key, channel, code] of [['vip_sms', 'sms', 'SMS_71390007'], ['vip_tc', 'sms_tc', '1234567']]) {
      const r = await t.api('POST', '/v1/templates', {
        key, name: key, channel, body: '【山茶花】{{ customer.name }}，会员日专享：{{ "https://shop.example/vip" | track }}',
        sms: { templateCode: code, params: [{ name: 'name', value: '{{ customer.name }}' }, { name: 'link', value: '{{ "https://shop.example/vip" | track }}' }] },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const noCode = await t.api('POST', '/v1/templates', { key: 'plain_sms', name: 'plain', channel: 'sms', body: '{{ customer.name }} 您好' });
    assert.equal(noCode.status, 201);
    const badParam = await t.api('POST', '/v1/templates', { key: 'bad_sms', name: 'bad', channel: 'sms', body: 'x', sms: { templateCode: 'SMS_1', params: [{ name: 'n', value: '{{ customer.nickname }}' }] } });
    assert.equal(badParam.status, 400);
    assert.equal(badParam.body.error.problems[0].field, 'sms.params.0.value');
  });

  it('sends through Aliyun with a valid signature: template code, rendered parameters, our key as OutId', async () => {
    const r = await send('wang', 'sms', 'vip_sms', 'ali-1');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await dispatch();
    const got = gw.received.find((m) => m.reference === 'staff:ali-1');
    assert.ok(got, JSON.stringify(gw.rejected));
    assert.equal(got.phone, '13912345678');
    assert.equal(got.signName, '山茶花');
    assert.equal(got.templateCode, 'SMS_71390007');
    const params = got.params as Record<string, string>;
    assert.equal(params.name, '王小明');
    assert.match(params.link, /\/v1\/t\/c\//, 'the link parameter is a tracked redirect');
    assert.equal((await message(r.body.outboxId)).status, 'sent');
    // The tracked link in the SMS redirects and counts as a click.
    const click = await fetch(params.link.replace(/^http:\/\/localhost:\d+/, t.url), { redirect: 'manual' });
    assert.equal(click.status, 302);
    assert.equal(click.headers.get('location'), 'https://shop.example/vip');
  });

  it('sends through Tencent Cloud with a valid TC3 signature: E.164 number, parameters by position', async () => {
    const r = await send('zhao', 'sms_tc', 'vip_tc', 'tc-1');
    await dispatch();
    const got = gw.received.find((m) => m.reference === 'staff:tc-1');
    assert.ok(got, JSON.stringify(gw.rejected));
    assert.equal(got.phone, '+8613700001111');
    assert.equal(got.templateCode, '1234567');
    assert.equal((got.params as string[])[0], 'zhao');
    assert.equal((await message(r.body.outboxId)).status, 'sent');
  });

  it('retries flow control after a backoff, fails refused numbers at once, and suppresses a template without a code', async () => {
    gw.throttleNext(2);
    const ali = await send('wang', 'sms', 'vip_sms', 'ali-2');
    const tc = await send('zhao', 'sms_tc', 'vip_tc', 'tc-2');
    await dispatch();
    for (const id of [ali.body.outboxId, tc.body.outboxId]) {
      const m = await message(id);
      assert.equal(m.status, 'queued', 'throttled: waits for a retry');
      assert.equal(m.attempts, 1);
      assert.match(m.reason, /BUSINESS_LIMIT_CONTROL|RequestLimitExceeded/);
    }
    clock.advance(15_000);
    await dispatch();
    assert.equal((await message(ali.body.outboxId)).status, 'sent');
    assert.equal((await message(tc.body.outboxId)).status, 'sent');

    const bad = [await send('li', 'sms', 'vip_sms', 'ali-bad'), await send('li', 'sms_tc', 'vip_tc', 'tc-bad')];
    await dispatch();
    const [a, b] = [await message(bad[0].body.outboxId), await message(bad[1].body.outboxId)];
    assert.equal(a.status, 'failed');
    assert.match(a.reason, /MOBILE_NUMBER_ILLEGAL/);
    assert.equal(b.status, 'failed');
    assert.match(b.reason, /IncorrectPhoneNumber/);
    assert.equal(a.attempts, 1, 'a refused number is not retried');
    const timeline = (await t.api('GET', `/v1/customers/${ids.li}/timeline?limit=50`)).body.entries.map((e: any) => e.detail?.event);
    assert.ok(timeline.includes('message_failed'));

    const plain = await send('wang', 'sms', 'plain_sms', 'plain-1');
    assert.equal(plain.body.status, 'suppressed');
    assert.equal(plain.body.reason, 'no_sms_template');
  });

  it('a wrong secret is refused by the provider and fails without retrying', async () => {
    await t.api('PUT', '/v1/channels/sms', { kind: 'aliyun_sms', config: { accessKeyId: SMS_CREDENTIALS.aliyun.id, signName: '山茶花', endpoint: `${gw.url}/aliyun` }, secret: 'not-the-secret' });
    await t.api('PUT', '/v1/channels/sms_tc', { kind: 'tencent_sms', config: { secretId: SMS_CREDENTIALS.tencent.id, sdkAppId: '1400006666', signName: '山茶花', endpoint: `${gw.url}/tencent` }, secret: 'not-the-secret' });
    const a = await send('wang', 'sms', 'vip_sms', 'ali-wrong');
    const b = await send('zhao', 'sms_tc', 'vip_tc', 'tc-wrong');
    await dispatch();
    assert.match((await message(a.body.outboxId)).reason, /SignatureDoesNotMatch/);
    assert.equal((await message(a.body.outboxId)).status, 'failed');
    assert.match((await message(b.body.outboxId)).reason, /AuthFailure\.SignatureFailure/);
    assert.equal((await message(b.body.outboxId)).status, 'failed');
    // Until now every request was signed right: the only signature refusals are these two.
    assert.deepEqual(gw.rejected.map((r) => r.code).filter((c) => /Signature/.test(c)).sort(), ['AuthFailure.SignatureFailure', 'SignatureDoesNotMatch']);
  });
});
