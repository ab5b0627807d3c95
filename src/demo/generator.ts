// Generates one demo customer's life: arrival through a channel, anonymous browsing, registration, adding the
// brand's WeCom advisor, purchases shaped by season (618, 双11) and by persona (browser, one-time, repeat, VIP,
// churner), refunds, and a second device or a store membership that OneID later has to stitch together.
import type { TrackingMessage } from '../ingest/tracking/schema.ts';
import type { OrderInput } from '../ingest/orders/schema.ts';
import { BRAND, CITIES, GIVEN, ORDER_CHANNELS, PRODUCTS, SOURCES, STORES, SURNAMES } from './catalog.ts';
import { Random, seedFor } from './random.ts';

const DAY = 86400_000;
export const DEMO_SPAN_DAYS = 540;

export interface DemoCustomer {
  messages: TrackingMessage[];
  orders: OrderInput[];
  refunds: { orderId: string; refund: { refund_id: string; amount: number; reason: string; refunded_at: string } }[];
}

type Persona = 'browser' | 'one_time' | 'repeat' | 'vip';

/** Campaign seasons lift both arrivals and purchases. */
function seasonLift(t: number): number {
  const d = new Date(t + 8 * 3600_000); // Beijing date
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  if (m === 6 && day <= 18) return day >= 16 ? 5 : 2.5; // 618
  if (m === 11 && day <= 11) return day >= 9 ? 6 : 3; // 双11
  if (m === 12 && day >= 20) return 1.5; // year-end gifting
  if (m === 2 && day <= 14) return 1.4; // Valentine's
  return 1;
}

function pickTime(r: Random, from: number, to: number, tries = 6): number {
  // Rejection sampling toward campaign seasons.
  let best = from + r.next() * (to - from);
  for (let i = 0; i < tries; i++) {
    const t = from + r.next() * (to - from);
    if (r.next() * 6 < seasonLift(t)) return t;
    best = t;
  }
  return best;
}

const iso = (t: number) => new Date(t).toISOString();

export function generateCustomer(seed: number, i: number, anchor: number): DemoCustomer {
  const r = new Random(seedFor(seed, i));
  const start = anchor - DEMO_SPAN_DAYS * DAY;
  const source = r.weighted(SOURCES);
  // More customers arrived recently (the brand is growing); a quarter came in campaign seasons.
  const arrival = r.chance(0.25) ? pickTime(r, start, anchor - 2 * DAY, 12) : start + Math.pow(r.next(), 0.7) * (anchor - start - 2 * DAY);
  const persona: Persona = r.weighted([['browser', 35], ['one_time', 30], ['repeat', 25], ['vip', 10]] as const);
  const churnAt = persona !== 'browser' && r.chance(0.4) ? arrival + r.exp(120) * DAY : Infinity;
  const device = `dev-${seed}-${i}`;
  const userId = `cam${String(100000 + i)}`;
  const phone = `1${r.pick(['3', '5', '7', '8', '9'])}${String(r.int(0, 999999999)).padStart(9, '0')}`;
  const name = r.pick(SURNAMES) + r.pick(GIVEN) + (r.chance(0.6) ? r.pick(GIVEN) : '');
  const [province, city] = r.pick(CITIES);
  const out: DemoCustomer = { messages: [], orders: [], refunds: [] };
  let seq = 0;
  const msg = (t: number, m: Omit<TrackingMessage, 'messageId' | 'timestamp'>) =>
    out.messages.push({ ...m, messageId: `demo-${seed}-${i}-${seq++}`, timestamp: iso(t) } as TrackingMessage);
  const campaign = { source, medium: source === '老带新' ? 'referral' : 'social', name: `camellia-${new Date(arrival).getUTCFullYear()}` };

  // First visit: anonymous, attributed to its channel.
  msg(arrival, { type: 'page', anonymousId: device, name: '首页', properties: { channel_code: source }, context: { campaign } });
  for (let k = r.int(1, 4); k > 0; k--) {
    const p = r.pick(PRODUCTS);
    msg(arrival + k * 60_000, { type: 'track', anonymousId: device, event: 'Product Viewed', properties: { sku: p.sku, name: p.name, category: p.category, price: p.price } });
  }
  const registers = persona !== 'browser' || r.chance(0.45);
  if (!registers) {
    out.messages = out.messages.filter((m) => Date.parse(m.timestamp!) <= anchor);
    return out;
  }

  const registeredAt = arrival + r.exp(2) * DAY;
  const traits: Record<string, unknown> = {
    name, phone, gender: r.chance(0.85) ? 'female' : 'male', province, city,
    birthday: `${r.int(1975, 2004)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
    source_channel: source, unionid: `ou_${seed}_${i}`,
  };
  msg(registeredAt, { type: 'identify', userId, anonymousId: device, traits, context: { app: { id: BRAND.miniProgramAppId } } });
  msg(registeredAt + 1000, { type: 'track', userId, event: 'Signed Up', properties: { method: 'wechat_phone' } });
  if (r.chance(0.65)) {
    const added = registeredAt + r.exp(3) * DAY;
    msg(added, { type: 'identify', userId, traits: { wecom_external_userid: `wm_${seed}_${i}` } });
    msg(added + 1000, { type: 'track', userId, event: 'WeCom Contact Added', properties: { advisor: `顾问${r.int(1, 12)}`, channel_code: source } });
  }
  // A second phone or tablet: anonymous until the person logs in there too.
  if (r.chance(0.12)) {
    const t = registeredAt + r.exp(30) * DAY;
    const device2 = `${device}-b`;
    msg(t, { type: 'page', anonymousId: device2, name: '首页' });
    msg(t + 60_000, { type: 'identify', userId, anonymousId: device2, traits: {} });
  }
  // A store membership card opened at the till, joined to the online account later.
  const memberNo = r.chance(0.08) ? `M${seed % 100}${String(700000 + i)}` : null;

  const orderCount = persona === 'browser' ? 0 : persona === 'one_time' ? 1 : persona === 'repeat' ? r.int(2, 5) : r.int(5, 14);
  let t = registeredAt;
  for (let k = 0; k < orderCount; k++) {
    t = k === 0 ? registeredAt + r.exp(5) * DAY : pickTime(r, t + 3 * DAY, t + (persona === 'vip' ? 45 : 90) * DAY);
    if (t > anchor - 3600_000 || t > churnAt) break;
    const channel = r.weighted(ORDER_CHANNELS);
    const items = Array.from({ length: r.int(1, persona === 'vip' ? 4 : 2) }, () => {
      const p = r.pick(PRODUCTS);
      return { sku: p.sku, name: p.name, category: p.category, quantity: r.chance(0.2) ? 2 : 1, unit_price: p.price };
    });
    const gross = items.reduce((s, it) => s + it.quantity * it.unit_price, 0);
    const discount = seasonLift(t) > 1 ? Math.round(gross * 0.15) : 0;
    const orderId = `CAM${new Date(t).getUTCFullYear()}${String(i).padStart(7, '0')}${String(k).padStart(2, '0')}`;
    for (const it of items.slice(0, 2)) {
      msg(t - 600_000, { type: 'track', userId, event: 'Product Viewed', properties: { sku: it.sku, name: it.name, category: it.category, price: it.unit_price } });
      msg(t - 300_000, { type: 'track', userId, event: 'Product Added', properties: { sku: it.sku, category: it.category, price: it.unit_price } });
    }
    const inStore = channel === '门店';
    const customer = inStore ? (memberNo && k === 0 ? { member_no: memberNo } : { phone }) : { user_id: userId };
    out.orders.push({
      order_id: orderId, kind: 'sale', customer, amount: gross - discount, currency: 'CNY', items, channel,
      store: inStore ? r.pick(STORES) : undefined, placed_at: iso(t), properties: discount ? { discount } : {},
    });
    if (r.chance(0.06)) {
      const full = r.chance(0.5);
      out.refunds.push({ orderId, refund: { refund_id: `R${orderId}`, amount: full ? gross - discount : Math.max(1, Math.round((gross - discount) / 3)), reason: full ? '七天无理由退货' : '部分商品退款', refunded_at: iso(t + r.int(1, 7) * DAY) } });
    }
  }
  if (memberNo && out.orders.length > 0) {
    // The advisor links the store card to the online account: one person, two profiles → a recorded merge.
    msg(Math.min(anchor - 1000, t + DAY), { type: 'identify', userId, traits: { member_no: memberNo } });
  }
  // Engaged customers keep browsing between orders until they churn.
  const activeUntil = Math.min(anchor, churnAt);
  const visits = persona === 'vip' ? r.int(6, 20) : persona === 'repeat' ? r.int(3, 10) : r.int(0, 4);
  for (let k = 0; k < visits; k++) {
    const v = pickTime(r, registeredAt, Math.max(registeredAt + DAY, activeUntil));
    if (v > anchor) continue;
    const p = r.pick(PRODUCTS);
    msg(v, { type: 'page', userId, name: p.category, properties: { category: p.category } });
    msg(v + 30_000, { type: 'track', userId, event: 'Product Viewed', properties: { sku: p.sku, name: p.name, category: p.category, price: p.price } });
  }
  // Nothing happens after the demo's "today".
  out.messages = out.messages.filter((m) => Date.parse(m.timestamp!) <= anchor).sort((a, b) => Date.parse(a.timestamp!) - Date.parse(b.timestamp!));
  out.refunds = out.refunds.filter((x) => Date.parse(x.refund.refunded_at) <= anchor);
  return out;
}
