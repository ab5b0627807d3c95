import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { detectAdvertising } from './advertising.ts';
import { FoldedText } from './folded-text.ts';
import { Lexicon } from './lexicon.ts';
import type { GroupMessageInput } from './message.ts';
import { findPhones } from './phones.ts';
import { DEFAULT_POLICY, policyWith } from './policy.ts';
import { findWords } from './sensitive.ts';

const adWords = Lexicon.compile({ words: ['兼职', '代购', '招聘', '日结'].map((word) => ({ word, categories: ['advertising'], list: 'public:advertising' })), allow: [] });

function check(text: string, message: Partial<GroupMessageInput> = {}, policy = DEFAULT_POLICY) {
  const folded = new FoldedText().load(text);
  const words = findWords(folded, [adWords]);
  const msg: GroupMessageInput = { id: 'm', groupId: 'g', senderId: 'u', sentAt: 0, type: 'text', text, ...message };
  return detectAdvertising(msg, folded, words.adWords, policy);
}
const codes = (text: string, message?: Partial<GroupMessageInput>) => check(text, message).findings.map((f) => [f.code, f.span?.text ?? null]);

describe('advertising: links', () => {
  it('finds plain and written-out links, with the span as written', () => {
    assert.deepEqual(codes('戳 https://t.cn/A6x?a=1 领券'), [['external_link', 'https://t.cn/A6x?a=1']]);
    assert.deepEqual(codes('上 www.abc-shop.com 看看'), [['external_link', 'www.abc-shop.com']]);
    assert.deepEqual(codes('网址：ｗｗｗ點ｓｈｏｐ８８點ｃｏｍ'), [['external_link', 'ｗｗｗ點ｓｈｏｐ８８點ｃｏｍ']]);
    assert.deepEqual(codes('搜 x x x .com 就有'), [['external_link', 'x x x .com']]);
    assert.deepEqual(codes('加群看 www点haohuo'), [['external_link', 'www点haohuo']]);
  });

  it("leaves the brand's own domains, times and plain numbers alone", () => {
    const own = policyWith({ allowedDomains: ['camellia.cn'] });
    assert.deepEqual(check('会员中心 https://shop.camellia.cn/vip', {}, own).findings, []);
    assert.deepEqual(codes('明天1点cn航班，价格3.5元，版本2.0'), []);
  });

  it('finds e-mail addresses once, not again as a domain', () => {
    assert.deepEqual(codes('简历发 hr_job@example.com.cn'), [['email', 'hr_job@example.com.cn']]);
  });

  it('flags a link message whose URL is not the brand’s', () => {
    assert.deepEqual(codes('夏季清仓', { type: 'link', link: { url: 'https://evil.example.com/x' } }), [['external_link', null]]);
    assert.deepEqual(check('新品', { type: 'link', link: { url: 'https://m.camellia.cn/new' } }, policyWith({ allowedDomains: ['camellia.cn'] })).findings, []);
  });
});

describe('advertising: phone numbers', () => {
  it('reads mobiles with any separators, +86 and Chinese digits', () => {
    assert.deepEqual(findPhones('电话 139-1234-5678').map((p) => p.digits), ['13912345678']);
    assert.deepEqual(findPhones('打 139 1234 5678 或 +86 138.0013.8000').map((p) => [p.digits, p.kind]), [['13912345678', 'mobile'], ['13800138000', 'mobile']]);
    assert.deepEqual(findPhones('幺三九 一二三四 五六七八').map((p) => p.digits), ['13912345678']);
    assert.deepEqual(findPhones('13912345678一定要打').map((p) => p.digits), ['13912345678']);
  });

  it('reads landlines with area codes and 400 numbers', () => {
    assert.deepEqual(findPhones('(021) 6888-1234，0571-88886666，400-820-8820').map((p) => [p.digits, p.kind]), [
      ['02168881234', 'landline'],
      ['057188886666', 'landline'],
      ['4008208820', 'service'],
    ]);
  });

  it('does not take an order number, a date or a price for a phone', () => {
    assert.deepEqual(findPhones('订单号 202411301391234567，2024-11-30 12:00，¥139.00'), []);
    assert.deepEqual(findPhones('一二三四五六七'), []);
  });

  it('gives the span as written', () => {
    const text = '找我：１３９—１２３４—５６７８';
    assert.deepEqual(codes(text), [['phone_number', '１３９—１２３４—５６７８']]);
  });
});

describe('advertising: WeChat ids and 加V', () => {
  it('finds ids after the app name, however it is spelt', () => {
    assert.deepEqual(codes('微信号：abc_12345'), [['wechat_id', '微信号：abc_12345']]);
    assert.deepEqual(codes('VX abc12345 私聊'), [['wechat_id', 'VX abc12345'], ['contact_solicit', '私聊']]);
    assert.deepEqual(codes('扣扣 123456789'), [['wechat_id', '扣扣 123456789']]);
    assert.deepEqual(codes('wxid_8x7y6z5w'), [['wechat_id', 'wxid_8x7y6z5w']]);
  });

  it('takes a one-letter name (v, q, 微) only when asked to add it', () => {
    assert.deepEqual(codes('加v abc12345'), [['wechat_id', 'v abc12345']]);
    assert.deepEqual(codes('dev:abc12345 版本'), []);
    assert.deepEqual(codes('v abc12345'), []);
  });

  it('finds "加V / 加微 / ➕V / 私q" and the dodged spellings of 微信', () => {
    assert.deepEqual(codes('想要的加微'), [['contact_solicit', '加微']]);
    assert.deepEqual(codes('➕V领福利'), [['contact_solicit', '➕V']]);
    assert.deepEqual(codes('有需要私q'), [['contact_solicit', '私q']]);
    assert.deepEqual(codes('看我朋友圈'), [['contact_solicit', '看我朋友圈']]);
    assert.deepEqual(codes('我的v信同名'), [['contact_evasion', 'v信']]);
  });

  it('leaves food orders and ordinary words alone', () => {
    assert.deepEqual(codes('我要加微辣，再加一份'), []);
    assert.deepEqual(codes('vip会员有折扣吗'), []);
  });
});

describe('advertising: pictures, cards, mini-programs', () => {
  it('treats a QR image as advertising and says what kind of QR it is', () => {
    const found = check('', { type: 'image', image: { qrCode: { content: 'https://weixin.qq.com/g/AbCdEf' } } }).findings;
    assert.equal(found[0].code, 'qr_image');
    assert.match(found[0].reason, /群二维码/);
    assert.deepEqual(check('', { type: 'image', image: {} }).findings, []);
  });

  it('treats shared contact cards and other mini-programs as advertising, the brand’s own mini-program not', () => {
    assert.deepEqual(codes('', { type: 'card', card: { kind: 'personal' } }), [['contact_card', null]]);
    assert.deepEqual(codes('砍一刀', { type: 'miniprogram', miniProgram: { appId: 'wx-other' } }), [['mini_program', null]]);
    assert.deepEqual(check('积分商城', { type: 'miniprogram', miniProgram: { appId: 'wx-own' } }, policyWith({ allowedMiniPrograms: ['wx-own'] })).findings, []);
  });
});

describe('advertising: scoring', () => {
  it('is not advertising on one weak sign, is on contact details, and is severe on two strong signs', () => {
    assert.equal(check('有兼职吗').severity, null);
    assert.equal(check('兼职代购招聘日结').severity, 'medium');
    assert.equal(check('电话13912345678').severity, 'medium');
    assert.equal(check('兼职日结 加v abc12345 详情 www.jz88.com').severity, 'high');
  });

  it('finds nothing in ordinary chat, emoji and other scripts', () => {
    for (const text of ['今天发货了吗？谢谢亲🙏', '好的收到👌', 'こんにちは', '안녕하세요 😊', 'مرحبا بكم', '👨‍👩‍👧‍👦🎉🎉']) assert.deepEqual(check(text).findings, [], text);
  });
});
