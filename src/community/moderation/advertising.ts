// Advertising: what lets a member pull others out of the brand's group — links, contact details, QR codes, contact
// cards, "加V" — plus weak signs (trigger words like 兼职 代购). Each finding has a score: contact details and links
// 1, solicitation 0.6, dodged spellings of WeChat 0.5, a trigger word 0.3 (1 when the brand listed it). A message is
// advertising from a total of 1: one phone number is enough, one 兼职 is not. From 2 it is severe (a link and a phone).
//
// Patterns run on the folded text (full-width, case, traditional folded, same offsets) with whitespace and zero-width
// characters removed, so "x x x .com", "ｗｗｗ點" and "1 3 9 - 1234 - 5678" read as written without them.
import type { FoldedText } from './folded-text.ts';
import type { WordHit } from './lexicon.ts';
import type { GroupMessageInput } from './message.ts';
import type { ModerationPolicy } from './policy.ts';
import { findPhones } from './phones.ts';
import { span, type Finding, type Severity } from './verdict.ts';

const TLDS = 'com|cn|net|org|top|xyz|vip|cc|me|io|shop|club|site|info|biz|co|app|link|ink|icu|wang|online|store|tech|fun|live|ltd|pub|life|work|tv|hk|tw|mobi|asia|pro|xin|ren|kim|red|cloud|email';
const DOT = '(?:\\.|。|点|dot)';
const SCHEME_URL = /(?:https?|ftp)[:：]\/\/[a-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/g;
const EMAIL = /[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g;
const DOMAIN = new RegExp(`(?<![a-z0-9-])(?:[a-z0-9][a-z0-9-]*${DOT})+(?:${TLDS})(?![a-z])(?:/[a-z0-9\\-._~/?#=&%]*)?`, 'g');
const WWW = new RegExp(`(?<![a-z0-9-])www${DOT}[a-z0-9-]{2,}`, 'g');
// A WeChat or QQ id after a word that names the app: 微信号 abc_123, vx：abc123, 扣扣 123456. Single-letter and
// single-character names (v, q, 微, 薇) count only after 加/+/私/找 or before a colon, as in "加v abc123".
const CONTACT_ID = /(微信号?|威信|薇信|维信|徽信|v信|vx|wx|weixin|wechat|qq号?|扣扣|企鹅号?|微|薇|v|q)(?:号码|号|id)?([:：=]|是|为)*([a-z][a-z0-9_-]{5,19}|\d{5,12})(?![a-z0-9_-])/g;
const WEAK_ID_KEYS = new Set(['微', '薇', 'v', 'q']);
const SOLICIT_PREFIX = /(?:加|\+|私|找|联系|添加|搜)(?:我|一下|下)?$/;
const RAW_WXID = /wxid_[a-z0-9]{6,}/g;
// "加V 加微 ➕V 私q": asking to be added. A one-character name counts only when no Chinese word goes on (加微辣,
// 加微波炉 are orders, not requests), a Latin one only when no Latin word does (加vip).
const SOLICIT = /(?:加|\+|添加|私|找|联系)(?:我|一下|下)?(vx|wx|qq|v信|微信|威信|薇信|维信|徽信|扣扣|企鹅|v|q|微|薇|威|卫|扣)/g;
const HAN_CHAR = /\p{Script=Han}/u;
const PRIVATE = /私(?:聊|信|我|戳)|看我(?:头像|朋友圈|主页|签名)|(?:扫码|扫一扫|长按识别)(?:加|进群|入群|关注|领)?/g;
// Spellings people use so that "微信" is not matched.
const EVASION = /(?<![a-z])(?:vx|wx)(?![a-z])|v信|威信|薇信|徽信|魏信|卫星号|wei信|微x|vx号/g;

interface Compact {
  text: string;
  /** Index in the folded text of each compact character. */
  at: Int32Array;
}

// Whitespace after folding (NFKC already made ideographic and no-break spaces plain) and zero-width characters.
const isGap = (c: number) => c === 32 || (c >= 9 && c <= 13) || (c >= 0x200b && c <= 0x200f) || c === 0x2028 || c === 0x2029 || c === 0x2060 || c === 0xfeff;

// Reused between messages (moderation is synchronous): one allocation instead of one per message.
let atBuffer = new Int32Array(1024);

function compact(folded: string): Compact {
  if (atBuffer.length < folded.length) atBuffer = new Int32Array(Math.max(folded.length, atBuffer.length * 2));
  const at = atBuffer;
  let out = '';
  let n = 0;
  let runStart = 0;
  for (let i = 0; i < folded.length; i++) {
    if (isGap(folded.charCodeAt(i))) {
      if (i > runStart) out += folded.slice(runStart, i);
      runStart = i + 1;
      continue;
    }
    at[n++] = i;
  }
  out += folded.slice(runStart);
  return { text: out, at };
}

// Cheap tests that rule a pattern out before its regular expression runs (most messages have no link or id).
const MAY_HAVE_DOMAIN = /[.。点]|dot/;
const MAY_HAVE_ID = /[a-z][a-z0-9_-]{5}|\d{5}/;
const MAY_SOLICIT = /[加+私找联]/;
const MAY_PRIVATE = /[私看扫长]/;
const MAY_EVADE = /[vwx威薇徽魏卫]/;

export interface AdvertisingVerdict {
  findings: Finding[];
  score: number;
  severity: Severity | null;
}

/** Findings of one message, with the spans already taken (a phone inside a WeChat id is not found twice). */
class Findings {
  readonly list: Finding[] = [];
  private readonly taken: { start: number; end: number }[] = [];

  constructor(
    private readonly original: string,
    private readonly c: Compact,
    private readonly policy: ModerationPolicy,
  ) {}

  /** Span of the original text under compact[a, b). */
  span(a: number, b: number) {
    return span(this.original, this.c.at[a], this.c.at[b - 1] + 1);
  }

  overlaps(a: number, b: number) {
    return this.taken.some((t) => a < t.end && b > t.start);
  }

  add(f: Finding) {
    this.list.push(f);
    if (f.span) this.taken.push(f.span);
  }

  allowed(host: string) {
    return this.policy.allowedDomains.some((d) => host === d || host.endsWith(`.${d}`));
  }
}

export function detectAdvertising(message: GroupMessageInput, text: FoldedText, adWords: WordHit[], policy: ModerationPolicy): AdvertisingVerdict {
  const original = text.original;
  const c = compact(text.folded);
  const f = new Findings(original, c, policy);
  const t = c.text;
  const domainLike = MAY_HAVE_DOMAIN.test(t);
  if (domainLike && t.includes('//')) for (const m of t.matchAll(SCHEME_URL)) {
    const host = hostOf(m[0]);
    if (f.allowed(host)) continue;
    f.add({ code: 'external_link', reason: `外部链接 ${host}`, score: 1, span: f.span(m.index, m.index + m[0].length), detail: { host } });
  }
  if (domainLike && t.includes('@')) for (const m of t.matchAll(EMAIL)) {
    const s = f.span(m.index, m.index + m[0].length);
    if (f.overlaps(s.start, s.end)) continue;
    f.add({ code: 'email', reason: '电子邮箱地址', score: 0.8, span: s });
  }
  if (domainLike) for (const re of [DOMAIN, WWW]) {
    for (const m of t.matchAll(re)) {
      const s = f.span(m.index, m.index + m[0].length);
      if (f.overlaps(s.start, s.end)) continue;
      const host = hostOf(m[0]);
      const name = host.split('.').slice(0, -1).join('');
      if (name.length < 3 || f.allowed(host)) continue; // 1点cn is a time, not a site
      f.add({ code: 'external_link', reason: m[0].includes('.') ? `外部链接 ${host}` : `变形的网址 ${host}`, score: 1, span: s, detail: { host } });
    }
  }
  const idLike = MAY_HAVE_ID.test(t);
  if (idLike && t.includes('wxid_')) for (const m of t.matchAll(RAW_WXID)) f.add({ code: 'wechat_id', reason: '微信号', score: 1, span: f.span(m.index, m.index + m[0].length), detail: { id: m[0] } });
  if (idLike) for (const m of t.matchAll(CONTACT_ID)) {
    const key = m[1];
    const before = t.slice(Math.max(0, m.index - 4), m.index);
    if (/^[a-z]/.test(key) && /[a-z0-9]$/.test(before)) continue; // "dev:abc123", "avx123456"
    if (WEAK_ID_KEYS.has(key) && !SOLICIT_PREFIX.test(before) && !m[2]) continue;
    const s = f.span(m.index, m.index + m[0].length);
    if (f.overlaps(s.start, s.end)) continue;
    const isQq = /qq|扣扣|企鹅|^q$/.test(key);
    f.add({ code: 'wechat_id', reason: isQq ? `QQ号 ${m[3]}` : `微信号 ${m[3]}`, score: 1, span: s, detail: { app: isQq ? 'qq' : 'wechat', id: m[3] } });
  }
  for (const p of findPhones(text.folded)) {
    if (f.overlaps(p.start, p.end)) continue;
    const label = p.kind === 'mobile' ? '手机号' : p.kind === 'landline' ? '固定电话' : '400/800 电话';
    f.add({ code: 'phone_number', reason: `${label} ${p.digits}`, score: 1, span: span(original, p.start, p.end), detail: { kind: p.kind, digits: p.digits } });
  }
  if (MAY_SOLICIT.test(t)) for (const m of t.matchAll(SOLICIT)) {
    const next = t[m.index + m[0].length] ?? '';
    if (/^[a-z]/.test(m[1]) ? /[a-z]/.test(next) : m[1].length === 1 && HAN_CHAR.test(next)) continue;
    const s = f.span(m.index, m.index + m[0].length);
    if (f.overlaps(s.start, s.end)) continue;
    f.add({ code: 'contact_solicit', reason: `引导加好友「${s.text}」`, score: 0.6, span: s });
  }
  if (MAY_EVADE.test(t)) for (const m of t.matchAll(EVASION)) {
    const s = f.span(m.index, m.index + m[0].length);
    if (f.overlaps(s.start, s.end)) continue;
    f.add({ code: 'contact_evasion', reason: `微信的变形写法「${s.text}」`, score: 0.5, span: s });
  }
  if (MAY_PRIVATE.test(t)) for (const m of t.matchAll(PRIVATE)) {
    const s = f.span(m.index, m.index + m[0].length);
    if (f.overlaps(s.start, s.end)) continue;
    f.add({ code: 'contact_solicit', reason: `引导私聊或扫码「${s.text}」`, score: 0.4, span: s });
  }

  attachmentFindings(message, policy, f);

  const words = new Set<string>();
  for (const h of adWords) {
    if (words.has(h.entry.word) || f.overlaps(h.start, h.end)) continue;
    words.add(h.entry.word);
    const brand = h.entry.lists.some((l) => l.startsWith('brand:'));
    f.add({ code: 'ad_word', reason: `广告词「${h.entry.word}」`, score: brand ? 1 : 0.3, span: span(original, h.start, h.end), detail: { word: h.entry.word, lists: h.entry.lists } });
  }

  let score = 0;
  let weak = 0;
  for (const x of f.list) {
    if (x.code === 'ad_word' && x.score < 1) weak += x.score;
    else score += x.score;
  }
  score = Math.round((score + Math.min(weak, 1.2)) * 100) / 100;
  const severity: Severity | null = score >= 2 ? 'high' : score >= 1 ? 'medium' : null;
  return { findings: f.list, score, severity };
}

function attachmentFindings(message: GroupMessageInput, policy: ModerationPolicy, f: Findings) {
  if (message.type === 'link' && message.link?.url) {
    const host = hostOf(message.link.url.toLowerCase());
    if (!f.allowed(host)) f.add({ code: 'external_link', reason: `链接消息 ${host}`, score: 1, detail: { host, url: message.link.url } });
  }
  if (message.type === 'image' && message.image?.qrCode) {
    const content = message.image.qrCode.content ?? '';
    const host = /^[a-z]+:\/\//i.test(content) ? hostOf(content.toLowerCase()) : '';
    if (!(host && f.allowed(host))) {
      const kind = /weixin\.qq\.com\/g\//i.test(content) ? '群二维码' : /u\.wechat\.com|weixin\.qq\.com\/r\//i.test(content) ? '个人微信二维码' : '二维码';
      f.add({ code: 'qr_image', reason: `图片含${kind}${host ? ` ${host}` : ''}`, score: 1, detail: content ? { content } : {} });
    }
  }
  if (message.type === 'card') f.add({ code: 'contact_card', reason: message.card?.kind === 'corp' ? '分享企业微信名片' : '分享个人名片', score: 1 });
  if (message.type === 'miniprogram' && message.miniProgram && !policy.allowedMiniPrograms.includes(message.miniProgram.appId)) {
    f.add({ code: 'mini_program', reason: '其他小程序卡片', score: 0.6, detail: { appId: message.miniProgram.appId } });
  }
}

/** Host of a URL or bare domain as written (www点abc点com → www.abc.com). */
function hostOf(u: string): string {
  const noScheme = u.replace(/^[a-z]+[:：]\/\//, '');
  return noScheme
    .split(/[/?#:]/)[0]
    .replace(/点|。|dot/g, '.')
    .replace(/^\.+|\.+$/g, '');
}
