import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LexiconStore } from './lexicon-store.ts';
import { Moderator } from './moderate.ts';
import { OffensiveClassifier } from './abuse/classifier.ts';
import { GroupMessageSchema, type GroupMessageInput } from './message.ts';
import { policyWith } from './policy.ts';
import { ModerationResultSchema, RULE_KINDS, type ModerationResult } from './verdict.ts';

// The public lists from the shared data folder, one brand list with pinyin matching, the committed model.
const store = new LexiconStore();
store.setBrandLists('camellia', [
  { name: '竞品', kind: 'block', words: ['某宝', '拼夕夕'], pinyin: true },
  { name: '放行', kind: 'allow', words: ['白粉底'] },
]);
const classifier = OffensiveClassifier.load();
const newModerator = (policy = policyWith({ allowedDomains: ['camellia.cn'] })) => new Moderator({ lexicons: store.sourceFor('camellia'), classifier, policy });

let seq = 0;
const msg = (text: string, more: Partial<GroupMessageInput> = {}): GroupMessageInput => ({ id: `m${++seq}`, groupId: 'g1', senderId: 'u1', sentAt: 1_700_000_000_000 + seq * 1000, type: 'text', text, ...more });
const verdict = (r: ModerationResult, kind: (typeof RULE_KINDS)[number]) => r.verdicts.find((v) => v.kind === kind)!;

function assertWellFormed(r: ModerationResult, text: string) {
  ModerationResultSchema.parse(r);
  assert.deepEqual(
    r.verdicts.map((v) => v.kind),
    [...RULE_KINDS],
  );
  for (const v of r.verdicts) for (const f of v.findings) if (f.span) assert.equal(text.slice(f.span.start, f.span.end), f.span.text);
  for (const h of r.highlights) assert.ok(h.start >= 0 && h.end <= text.length && h.start < h.end);
}

describe('moderate(message): one verdict per rule kind', () => {
  it('passes everyday group chat with no findings and no action', () => {
    const m = newModerator();
    for (const text of ['亲，今天下单明天能到吗？', '这个白粉底很好用，推荐', '谢谢群主🌹🌹', '收到', '周末门店几点开门呀']) {
      const r = m.moderate(msg(text));
      assertWellFormed(r, text);
      assert.equal(r.flagged, false, `${text}: ${JSON.stringify(r.verdicts.filter((v) => v.flagged))}`);
      assert.equal(r.action, 'none');
    }
  });

  it("catches a competitor's name written as pinyin, and highlights it", () => {
    const r = newModerator().moderate(msg('去 pinxixi 买更便宜'));
    assert.equal(verdict(r, 'sensitive').findings[0].code, 'brand_word');
    assert.deepEqual(r.highlights.map((h) => h.text), ['pinxixi']);
    assert.equal(r.action, 'warn');
  });

  it('removes an advert with a link and a WeChat id; blacklists the member who keeps posting it', () => {
    const m = newModerator();
    const advert = '兼职日结，加v abc12345，详情 www.jianzhi88.com';
    const first = m.moderate(msg(advert, { senderId: 'spam' }));
    assertWellFormed(first, advert);
    assert.equal(verdict(first, 'advertising').severity, 'high');
    assert.equal(first.action, 'remove');
    m.moderate(msg(advert, { senderId: 'spam' }));
    const third = m.moderate(msg(advert, { senderId: 'spam' }));
    assert.deepEqual(verdict(third, 'flooding').findings.map((f) => f.code), ['same_text_member']);
    assert.equal(third.action, 'blacklist');
  });

  it("does not treat staff links and announcements as adverts or flooding, but still checks staff's words", () => {
    const m = newModerator();
    const notice = '本周会员日活动 https://huodong.example.com/vip 电话 400-820-8820';
    for (let i = 0; i < 5; i++) assert.equal(m.moderate(msg(notice, { senderId: 'staff1', senderRole: 'staff' })).flagged, false);
    assert.equal(m.moderate(msg('去某宝看看', { senderId: 'staff1', senderRole: 'staff' })).flagged, true);
  });

  it('flags offensive language by the model, with the n-grams behind it highlighted', () => {
    const text = '黑人都是垃圾，滚出中国';
    const r = newModerator().moderate(msg(text));
    assertWellFormed(r, text);
    const abuse = verdict(r, 'abuse');
    assert.ok(abuse.score > 0.9);
    assert.equal(abuse.severity, abuse.score >= 0.95 ? 'high' : 'medium');
    assert.ok(abuse.findings.some((f) => f.span?.text === '垃圾'));
    assert.equal(r.action, abuse.action);
    assert.equal(verdict(newModerator().moderate(msg('这家店的服务真的很好')), 'abuse').flagged, false);
  });

  it('follows the policy: thresholds and actions are the brand’s', () => {
    const strict = newModerator(policyWith({ abuse: { low: 0.5, medium: 0.6, high: 0.7 }, actions: { ...policyWith().actions, abuse: { low: 'review', medium: 'warn', high: 'remove' } } }));
    assert.equal(strict.moderate(msg('黑人都是垃圾，滚出中国')).action, 'remove');
    const links = newModerator(policyWith({ actions: { ...policyWith().actions, advertising: { low: 'none', medium: 'notify_owner', high: 'notify_owner' } } }));
    assert.equal(links.moderate(msg('电话 13912345678')).action, 'notify_owner');
  });

  it('accepts QR pictures, cards and link messages as the WeCom intake describes them', () => {
    const m = newModerator();
    const qr = GroupMessageSchema.parse({ id: 'q', groupId: 'g1', senderId: 'u9', sentAt: 1, type: 'image', image: { qrCode: { content: 'https://u.wechat.com/abc' } } });
    assert.equal(verdict(m.moderate(qr), 'advertising').findings[0].code, 'qr_image');
    const own = GroupMessageSchema.parse({ id: 'l', groupId: 'g1', senderId: 'u9', sentAt: 2, type: 'link', text: '山茶花会员日', link: { url: 'https://m.camellia.cn/vip' } });
    assert.equal(m.moderate(own).flagged, false);
  });
});

describe('moderate(message): any script, emoji and very long messages', () => {
  it('answers well-formed verdicts for every script, emoji sequences, control and lone surrogate characters', () => {
    const m = newModerator();
    const texts = [
      '', '   ', '👨‍👩‍👧‍👦🏳️‍🌈🇨🇳', 'مرحبا بكم في المجموعة', 'שלום', 'Привет всем', 'こんにちは、よろしく', '안녕하세요',
      'नमस्ते', 'ไทย', 'e\u0301\u0302\u0303', '\u0000\u0007\u200b\u202e反转', '\ud800孤立代理\udfff', '𠀀𠀁𠀂 扩展B', 'Z̴̡̛a̷l̸g̵o̶',
      'ＡＢＣ１２３', '傻\u200b逼', '微\u200d信',
    ];
    for (const text of texts) assertWellFormed(m.moderate(msg(text, { senderId: `s${text.length}` })), text);
    assert.equal(verdict(m.moderate(msg('傻\u200b逼')), 'sensitive').flagged, true);
  });

  it('checks a 100,000-character message to its end and maps spans back exactly', () => {
    const filler = '今天天气不错，我们一起去公园散步吧。'.repeat(6000).slice(0, 99_950);
    const text = `${filler}🙂 想要的加v abc12345 某*宝`;
    const r = newModerator().moderate(msg(text));
    assertWellFormed(r, text);
    assert.ok(r.highlights.some((h) => h.text === '某*宝' && h.start > 99_950));
    assert.equal(verdict(r, 'advertising').findings[0].code, 'wechat_id');
  });
});
