// Ready-made journeys for the common private-domain flows. Each is a draft: the operator picks the channel's
// templates (and segments) before publishing; validation names whatever is still missing.
import type { JourneyDefinition } from './definition.ts';

const wait = (days: number, next?: string) => ({ type: 'wait' as const, duration: { days, hours: 0, minutes: 0 }, next });
const send = (template: string, next?: string, timing: 'now' | 'best_time' = 'now') => ({ type: 'send' as const, channel: 'inbox', template, transactional: false, timing, next });

export const JOURNEY_LIBRARY: { key: string; name: string; description: string; descriptionZh: string; definition: JourneyDefinition }[] = [
  {
    key: 'welcome', name: '新客欢迎', description: 'Welcome a new customer, then nudge towards the first order three days later if none came.', descriptionZh: '新客到来即发欢迎消息；三天内未下单，再推送首单优惠。',
    definition: {
      trigger: { type: 'event', event: 'customer_created', where: [] }, start: 'hello', reentry: 'once', quietHours: 'hold', attributionDays: 7,
      goal: { event: 'order_completed', where: [], withinDays: 14, exitOnGoal: false },
      nodes: {
        hello: send('welcome', 'wait_order'),
        wait_order: { type: 'wait_event', event: 'order_completed', where: [], timeout: { days: 3, hours: 0, minutes: 0 }, next: 'thanks', timeoutNext: 'nudge' },
        nudge: send('first_order_coupon'),
        thanks: send('first_order_thanks'),
      },
    },
  },
  {
    key: 'birthday', name: '生日关怀', description: 'On the birthday at 10:00: greetings and a birthday coupon.', descriptionZh: '生日当天 10:00 送上祝福（可加生日券）。',
    definition: {
      trigger: { type: 'date', field: 'birthday', yearly: true, offsetDays: 0, at: '10:00' }, start: 'greet', reentry: 'always', quietHours: 'hold', attributionDays: 7,
      nodes: { greet: send('birthday') },
    },
  },
  {
    key: 'winback', name: '沉睡唤醒', description: 'Customers entering the dormant segment get a reminder; no order within 7 days, a stronger offer.', descriptionZh: '进入沉睡分群的客户收到提醒；7 天内仍未下单，发送更有力的优惠。',
    definition: {
      trigger: { type: 'segment', segment: 'dormant', on: 'entered' }, start: 'remind', reentry: { days: 90 }, quietHours: 'hold', attributionDays: 14,
      goal: { event: 'order_completed', where: [], withinDays: 14, exitOnGoal: true },
      nodes: { remind: send('we_miss_you', 'wait7', 'best_time'), wait7: wait(7, 'offer'), offer: send('winback_offer', undefined, 'best_time') },
    },
  },
  {
    key: 'repurchase', name: '复购提醒', description: 'Twenty-five days after an order, remind the customer to restock.', descriptionZh: '下单 25 天后，在客户最常活跃的时间提醒回购。',
    definition: {
      trigger: { type: 'event', event: 'order_completed', where: [] }, start: 'wait25', reentry: 'always', quietHours: 'hold', attributionDays: 7,
      exitOn: { event: 'order_completed', where: [] },
      // A reminder nobody is waiting for goes out at the hour the customer usually engages.
      nodes: { wait25: wait(25, 'remind'), remind: send('restock', undefined, 'best_time') },
    },
  },
  {
    key: 'churn', name: '流失挽回', description: 'Customers the churn model warns about: a staff follow-up task and a care message, with a 10% holdout to measure the effect.', descriptionZh: '流失预警客户：生成导购回访任务并发送关怀消息，保留 10% 对照组衡量效果。',
    definition: {
      trigger: { type: 'event', event: 'churn_risk_high', where: [] }, start: 'split', reentry: { days: 60 }, quietHours: 'hold', attributionDays: 30,
      goal: { event: 'order_completed', where: [], withinDays: 30, exitOnGoal: false },
      nodes: {
        split: { type: 'split', branches: [{ key: 'treat', percent: 90, holdout: false, next: 'task' }, { key: 'holdout', percent: 10, holdout: true, next: undefined }] },
        task: { type: 'task', title: '流失风险客户：一对一回访', dueInHours: 24, next: 'care' },
        care: send('care'),
      },
    },
  },
  {
    key: 'tier_upgrade', name: '升级提醒', description: 'Tell members close to the next tier how little they need, and congratulate those who upgrade.', descriptionZh: '会员升级时发送祝贺，告知新权益。',
    definition: {
      trigger: { type: 'event', event: 'tier_upgraded', where: [] }, start: 'congrats', reentry: 'always', quietHours: 'hold', attributionDays: 7,
      nodes: { congrats: send('tier_congrats') },
    },
  },
];
