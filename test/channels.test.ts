// Channels against real servers: email to a real SMTP server process (the received MIME message is parsed and
// checked: personalised body, tracked links, open pixel, List-Unsubscribe that revokes consent) and a webhook to a
// real HTTP server that verifies the HMAC signature; a failing receiver is retried with backoff.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { startPlatform, waitFor, type TestPlatform } from './helpers/platform.ts';
import { freePort } from './helpers/process.ts';
import { ManualClock } from '../src/kernel/clock.ts';
import { verifyWebhook } from '../src/messaging/providers/webhook.ts';

describe('channels against real servers', () => {
  let t: TestPlatform;
  let smtp: ChildProcess;
  let mailDir: string;
  let smtpPort: number;
  let hooks: http.Server;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let failNext = 0;
  const clock = new ManualClock(new Date('2026-11-23T03:00:00Z')); // 11:00 in Shanghai
  let customer = 0;

  before(async () => {
    mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-mail-'));
    smtpPort = await freePort();
    smtp = spawn(process.execPath, ['test/helpers/smtp-sink.mjs', String(smtpPort), mailDir, 'mailer', 'smtp-secret'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => smtp.stdout!.on('data', (d) => String(d).includes('ready') && resolve()));
    hooks = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    // Webhooks to 127.0.0.1 need the private-address guard off; the guard itself is tested in src/kernel/net.
    t = await startPlatform('pglite', { clock, runImports: false, config: { allowPrivateOutbound: true } });
    const r = await t.track('/v1/identify', { userId: 'mei', messageId: 'id-mei', traits: { name: '李梅', email: 'mei@example.com', city: '杭州' } });
    customer = r.body.results[0].customerId;
    await t.api('PUT', `/v1/customers/${customer}/consents`, { consents: [{ channel: 'email', granted: true }, { channel: 'webhook', granted: true }] });
  });
  after(async () => {
    await t.close();
    smtp.kill('SIGTERM');
    await new Promise<void>((r) => hooks.close(() => r()));
    fs.rmSync(mailDir, { recursive: true, force: true });
  });

  it('sends email over SMTP: the received MIME message is personalised, tracked and unsubscribable', async () => {
    const ch = await t.api('PUT', '/v1/channels/email', { kind: 'smtp', config: { host: '127.0.0.1', port: smtpPort, user: 'mailer', from: '品牌 <brand@example.com>' }, secret: 'smtp-secret' });
    assert.equal(ch.status, 200, JSON.stringify(ch.body));
    assert.equal(ch.body.has_secret, true);
    assert.equal(JSON.stringify(ch.body).includes('smtp-secret'), false, 'the secret is never returned');
    const tpl = await t.api('POST', '/v1/templates', {
      key: 'autumn', name: '秋季上新', channel: 'email', subject: '{{ customer.name }}，秋季新品到了',
      body: '<p>{{ customer.name }}，{{ customer.traits.city }}门店已上新。</p><p><a href="https://shop.example/autumn">去看看</a></p><p><a href="{{ unsubscribe_url }}">退订</a></p>',
    });
    assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
    const sent = await t.api('POST', '/v1/messages', { customer_id: customer, channel: 'email', template: 'autumn', reference: 'mail-1' });
    assert.equal(sent.body.status, 'queued', JSON.stringify(sent.body));
    while (await t.platform.dispatcher.runOnce()) {}

    const file = await waitFor('the message at the SMTP server', async () => fs.readdirSync(mailDir)[0]);
    const raw = fs.readFileSync(path.join(mailDir, file));
    const mail = await simpleParser(raw);
    assert.equal(mail.subject, '李梅，秋季新品到了');
    assert.equal((mail.to as any).value[0].address, 'mei@example.com');
    assert.equal((mail.from as any).value[0].address, 'brand@example.com');
    assert.match(mail.messageId ?? '', /^<staff\.mail-1\..+@siyu>$/);
    const html = String(mail.html);
    assert.match(html, /杭州门店已上新/);
    assert.equal(html.includes('https://shop.example/autumn'), false, 'the link is tracked, not direct');
    const unsubscribeHeader = /^List-Unsubscribe: (.+)$/im.exec(raw.toString().replace(/\r?\n[ \t]+/g, " "))?.[1].trim() ?? '';
    assert.match(unsubscribeHeader, /^<http.+\/v1\/t\/u\/.+>$/);

    const local = (u: string) => u.replace(/^http:\/\/localhost:\d+/, t.url);
    const tracked = /href="(http[^"]+\/v1\/t\/c\/[^"]+)"/.exec(html)![1];
    const click = await fetch(local(tracked), { redirect: 'manual' });
    assert.equal(click.status, 302);
    assert.equal(click.headers.get('location'), 'https://shop.example/autumn');
    const pixel = /src="(http[^"]+\/v1\/t\/o\/[^"]+)"/.exec(html)![1];
    assert.equal((await fetch(local(pixel))).headers.get('content-type'), 'image/gif');
    const forged = await fetch(local(tracked).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), { redirect: 'manual' });
    assert.equal(forged.status, 404, 'a tampered token is refused');

    // One-click unsubscribe (RFC 8058) revokes email consent; the next marketing email is suppressed.
    const unsub = await fetch(local(unsubscribeHeader.replace(/^<|>$/g, '')), { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    assert.equal(unsub.status, 200);
    const consents = (await t.api('GET', `/v1/customers/${customer}/consents`)).body.consents;
    assert.deepEqual(consents.find((c: any) => c.channel === 'email'), { ...consents.find((c: any) => c.channel === 'email'), granted: false, source: 'unsubscribe_link' });
    const again = await t.api('POST', '/v1/messages', { customer_id: customer, channel: 'email', template: 'autumn', reference: 'mail-2' });
    assert.equal(again.body.reason, 'no_consent');
    const timeline = (await t.api('GET', `/v1/customers/${customer}/timeline?limit=50`)).body.entries.map((e: any) => e.detail?.event);
    for (const e of ['message_sent', 'message_clicked', 'message_opened', 'message_unsubscribed', 'consent_changed', 'message_suppressed']) assert.ok(timeline.includes(e), `${e} on the timeline`);
  });

  it('signs webhooks and retries a failing receiver with backoff', async () => {
    const secret = 'whsec-0123456789abcdef';
    assert.equal((await t.api('PUT', '/v1/channels/webhook', { kind: 'webhook', secret })).status, 200);
    const url = `http://127.0.0.1:${(hooks.address() as any).port}/hook`;
    failNext = 1;
    const sent = await t.api('POST', '/v1/messages', { customer_id: customer, channel: 'webhook', body: 'crm sync', transactional: true, reference: 'hook-1' });
    assert.equal(sent.status, 201);
    // The staff API has no URL: the webhook channel's configured URL is used.
    assert.equal((await t.api('PUT', '/v1/channels/webhook', { kind: 'webhook', config: { url } })).status, 200);
    while (await t.platform.dispatcher.runOnce()) {}
    const first = (await t.api('GET', `/v1/messages?customer_id=${customer}&status=queued`)).body.messages.find((m: any) => m.channel === 'webhook');
    assert.ok(first, 'a 503 leaves the message queued for a retry');
    assert.match(first.reason, /HTTP 503/);
    assert.equal(received.length, 0);
    clock.advance(11_000); // past the first backoff (10 s)
    while (await t.platform.dispatcher.runOnce()) {}
    assert.equal(received.length, 1);
    const got = received[0];
    assert.equal(got.headers['idempotency-key'], 'staff:hook-1');
    assert.ok(verifyWebhook(secret, String(got.headers['x-siyu-signature']), got.body, Math.floor(Date.now() / 1000)));
    assert.equal(verifyWebhook(secret, String(got.headers['x-siyu-signature']), got.body.replace('crm', 'CRM'), Math.floor(Date.now() / 1000)), false);
    assert.equal(JSON.parse(got.body).text, 'crm sync');
  });
});
