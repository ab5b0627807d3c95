// Flooding (刷屏), per group, in sliding windows over the messages' own send times, O(1) per message:
//  - rate: more than `rateLimit` messages from one member within `rateWindow` — each member keeps the times of its last
//    rateLimit messages in a ring, and the message is one too many when the oldest of them is still inside the window;
//  - same text from one member `memberRepeats` times within `repeatWindow` (the same ring, per member and text);
//  - same text from `groupRepeats` different members within `repeatWindow` (a spam ring, or bots): per text, a queue
//    of (member, time) and each member's last time; expired entries leave from the front, so the distinct count is
//    the map's size.
// Texts are compared by a fingerprint of their folded letters and digits (spacing, punctuation, emoji, case and
// traditional characters do not make a copy new); short ones (好的, 收到, +1) never count as repeats, and across
// members only longer ones do (customers ask 什么时候发货 alike; a spam ring posts whole adverts).
// Memory: every record is freed once idle for longer than the longest window (an expiry queue swept a little on each
// message), so it is bounded by the messages of the last window, not by the group's history. State is kept per
// member (their rate ring and their recent texts) and per group (its recent texts and their senders).
import type { FoldedText } from './folded-text.ts';
import type { ModerationPolicy } from './policy.ts';
import type { Finding, Severity } from './verdict.ts';

/** Times of the last `capacity` events. */
class RecentTimes {
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;
  lastAt = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
  }

  /** Records an event at `at`; true when `capacity` earlier events also fall within `windowMs` before it. */
  record(at: number, windowMs: number): boolean {
    const cap = this.times.length;
    const full = this.size === cap && this.times[this.next] > at - windowMs;
    this.times[this.next] = at;
    this.next = (this.next + 1) % cap;
    if (this.size < cap) this.size++;
    this.lastAt = at;
    return full;
  }
}

/** Distinct members that sent one text within the window. */
class Senders {
  private readonly queue: { member: string; at: number }[] = [];
  private head = 0;
  private readonly last = new Map<string, number>();
  lastAt = 0;

  record(member: string, at: number, windowMs: number): number {
    this.queue.push({ member, at });
    this.last.set(member, at);
    this.lastAt = at;
    while (this.head < this.queue.length && this.queue[this.head].at <= at - windowMs) {
      const old = this.queue[this.head++];
      if (this.last.get(old.member) === old.at) this.last.delete(old.member);
    }
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return this.last.size;
  }
}

/** One member in one group: their message times, and the times of each text they sent lately. */
class MemberWindow {
  lastAt = 0;
  readonly repeats = new Map<number, RecentTimes>();
  constructor(readonly rate: RecentTimes) {}
}

/** The texts of one group lately, each with who sent it. */
class GroupWindow {
  lastAt = 0;
  readonly texts = new Map<number, Senders>();
}

interface Expiry {
  map: Map<string | number, { lastAt: number }>;
  key: string | number;
  at: number;
}

export interface FloodFindings {
  findings: Finding[];
  severity: Severity | null;
}

// A member's own texts are pruned when they hold more than this many (a long-active member does not grow forever).
const MEMBER_TEXTS = 64;

export class FloodTracker {
  private readonly members = new Map<string, MemberWindow>();
  private readonly groups = new Map<string, GroupWindow>();
  private readonly expiries: Expiry[] = [];
  private expiryHead = 0;

  constructor(private policy: ModerationPolicy['flooding']) {}

  setPolicy(policy: ModerationPolicy['flooding']) {
    if (policy.rateLimit !== this.policy.rateLimit || policy.memberRepeats !== this.policy.memberRepeats) this.members.clear(); // ring sizes change; counting starts again
    this.policy = policy;
  }

  /** Records currently held (for tests of the memory bound and for metrics). */
  get tracked() {
    let n = 0;
    for (const m of this.members.values()) n += 1 + m.repeats.size;
    for (const g of this.groups.values()) n += 1 + g.texts.size;
    return n;
  }

  observe(groupId: string, memberId: string, text: FoldedText, at: number): FloodFindings {
    const p = this.policy;
    const rateMs = p.rateWindowSeconds * 1000;
    const repeatMs = p.repeatWindowSeconds * 1000;
    this.sweep(at - Math.max(rateMs, repeatMs));
    const findings: Finding[] = [];
    let severity: Severity | null = null;

    const memberKey = `${groupId}\u0000${memberId}`;
    let member = this.members.get(memberKey);
    if (!member) this.members.set(memberKey, (member = new MemberWindow(new RecentTimes(p.rateLimit))));
    this.expire(this.members, memberKey, (member.lastAt = at));
    if (member.rate.record(at, rateMs)) {
      findings.push({ code: 'message_rate', reason: `${p.rateWindowSeconds} 秒内发言超过 ${p.rateLimit} 条`, score: 1, detail: { limit: p.rateLimit, windowSeconds: p.rateWindowSeconds } });
      severity = 'low';
    }

    if (text.length >= p.minRepeatLength) {
      const fp = fingerprint(text);
      let repeat = member.repeats.get(fp);
      if (!repeat) {
        if (member.repeats.size >= MEMBER_TEXTS) for (const [k, r] of member.repeats) if (r.lastAt <= at - repeatMs) member.repeats.delete(k);
        member.repeats.set(fp, (repeat = new RecentTimes(p.memberRepeats - 1)));
      }
      if (repeat.record(at, repeatMs)) {
        findings.push({ code: 'same_text_member', reason: `${Math.round(p.repeatWindowSeconds / 60)} 分钟内重复发送相同内容 ${p.memberRepeats} 次以上`, score: 1, detail: { repeats: p.memberRepeats } });
        severity = 'medium';
      }
      if (text.length >= p.minGroupRepeatLength) {
        let group = this.groups.get(groupId);
        if (!group) this.groups.set(groupId, (group = new GroupWindow()));
        group.lastAt = at;
        let senders = group.texts.get(fp);
        if (!senders) group.texts.set(fp, (senders = new Senders()));
        this.expire(group.texts, fp, at);
        this.expire(this.groups, groupId, at);
        const distinct = senders.record(memberId, at, repeatMs);
        if (distinct >= p.groupRepeats) {
          findings.push({ code: 'same_text_group', reason: `${distinct} 位成员在 ${Math.round(p.repeatWindowSeconds / 60)} 分钟内发送相同内容`, score: 1, detail: { members: distinct } });
          severity = 'high';
        }
      }
    }
    return { findings, severity };
  }

  private expire<K extends string | number>(map: Map<K, { lastAt: number }>, key: K, at: number) {
    this.expiries.push({ map: map as Map<string | number, { lastAt: number }>, key, at });
  }

  /** Frees records idle since before `cutoff`. Each expiry entry is looked at once: amortized O(1) per message. */
  private sweep(cutoff: number) {
    const q = this.expiries;
    while (this.expiryHead < q.length && q[this.expiryHead].at < cutoff) {
      const e = q[this.expiryHead++];
      const r = e.map.get(e.key);
      if (r && r.lastAt < cutoff) e.map.delete(e.key);
    }
    if (this.expiryHead > 1024 && this.expiryHead * 2 > q.length) {
      q.splice(0, this.expiryHead);
      this.expiryHead = 0;
    }
  }
}

/** 53-bit fingerprint of the folded letters and digits (two FNV-1a style hashes). */
function fingerprint(text: FoldedText): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.symbols[i];
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
