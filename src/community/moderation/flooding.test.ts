import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FloodTracker } from './flooding.ts';
import { FoldedText } from './folded-text.ts';
import { DEFAULT_POLICY } from './policy.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A group chat as a list of steps: who says what when, and the codes flooding finds for that message. */
function play(steps: { at: number; member: string; text: string; group?: string }[], tracker = new FloodTracker(DEFAULT_POLICY.flooding)) {
  const text = new FoldedText();
  return steps.map((s) => tracker.observe(s.group ?? 'g1', s.member, text.load(s.text), s.at).findings.map((f) => f.code));
}

describe('flooding: messages per minute', () => {
  it('lets a member send 10 messages in a minute and flags the 11th', () => {
    const steps = Array.from({ length: 11 }, (_, i) => ({ at: i * 5 * SECOND, member: 'a', text: `第${i}条消息内容不同` }));
    const found = play(steps);
    assert.deepEqual(found.slice(0, 10), Array(10).fill([]));
    assert.deepEqual(found[10], ['message_rate']);
  });

  it('does not flag the same number spread over more than a minute, nor across members or groups', () => {
    const spread = Array.from({ length: 20 }, (_, i) => ({ at: i * 7 * SECOND, member: 'a', text: `消息编号${'甲乙丙丁戊己庚辛壬癸'[i % 10]}${i}` }));
    assert.ok(play(spread).every((f) => f.length === 0));
    const many = Array.from({ length: 30 }, (_, i) => ({ at: i * SECOND, member: `m${i % 3}`, group: `g${i % 2}`, text: `不同的话${i}` }));
    assert.ok(play(many).every((f) => f.length === 0));
  });
});

describe('flooding: the same text again', () => {
  it('flags the third copy from one member within ten minutes, however it is punctuated', () => {
    const found = play([
      { at: 0, member: 'a', text: '全场五折快来买' },
      { at: 2 * MINUTE, member: 'a', text: '全场五折，快来买！！' },
      { at: 4 * MINUTE, member: 'a', text: '全 场 五 折 快 来 買 🔥' },
    ]);
    assert.deepEqual(found, [[], [], ['same_text_member']]);
  });

  it('forgets copies older than the window', () => {
    const found = play([
      { at: 0, member: 'a', text: '全场五折快来买' },
      { at: 6 * MINUTE, member: 'a', text: '全场五折快来买' },
      { at: 12 * MINUTE, member: 'a', text: '全场五折快来买' },
    ]);
    assert.deepEqual(found, [[], [], []]);
  });

  it('flags the same text from four different members (a spam ring), counting each member once', () => {
    const found = play([
      { at: 0, member: 'a', text: '免费领取面膜点我头像' },
      { at: SECOND, member: 'a', text: '免费领取面膜点我头像' },
      { at: 2 * SECOND, member: 'b', text: '免费领取面膜点我头像' },
      { at: 3 * SECOND, member: 'c', text: '免费领取面膜点我头像' },
      { at: 4 * SECOND, member: 'd', text: '免费领取面膜点我头像' },
    ]);
    assert.deepEqual(found, [[], [], [], [], ['same_text_group']]);
  });

  it('does not count the same short question from different members: customers ask alike', () => {
    const steps = ['a', 'b', 'c', 'd', 'e'].map((member, i) => ({ at: i * SECOND, member, text: '什么时候发货呀？' }));
    assert.ok(play(steps).every((f) => f.length === 0));
  });

  it('never counts short replies as copies: 收到, 好的, +1, 1 and emoji', () => {
    const replies = ['收到', '好的', '+1', '1', '👍👍', '收到！'];
    const steps = Array.from({ length: 30 }, (_, i) => ({ at: i * 10 * SECOND, member: `m${i % 6}`, text: replies[i % replies.length] }));
    assert.ok(play(steps).every((f) => f.length === 0));
  });
});

describe('flooding: memory', () => {
  it('frees the windows of members and texts that went quiet', () => {
    const tracker = new FloodTracker(DEFAULT_POLICY.flooding);
    const steps = Array.from({ length: 5000 }, (_, i) => ({ at: i * 100, member: `m${i}`, group: `g${i % 100}`, text: `独一无二的消息${i}` }));
    play(steps, tracker);
    assert.ok(tracker.tracked > 10_000, `${tracker.tracked} records while the members are active`);
    play([{ at: 5000 * 100 + 11 * MINUTE, member: 'late', text: '过了很久之后的一条消息' }], tracker);
    // Only the late message's own: its member, its text for that member, its group and the group's text.
    assert.equal(tracker.tracked, 4, `${tracker.tracked} records after everyone went quiet`);
  });

  it('keeps a member who never goes quiet to a bounded number of remembered texts', () => {
    const tracker = new FloodTracker(DEFAULT_POLICY.flooding);
    const steps = Array.from({ length: 1000 }, (_, i) => ({ at: i * 30 * SECOND, member: 'chatty', text: `每半分钟一句不同的话${i}` }));
    play(steps, tracker);
    assert.ok(tracker.tracked <= 1 + 64 + 1 + 21, `${tracker.tracked} records`);
  });
});
