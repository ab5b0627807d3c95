// Typed identifiers: what they are, how their values are normalized, and which values are junk that must never
// link two people ("null", "anonymous", "0", placeholder phones ...).

export const ID_TYPES = [
  'user_id',
  'member_no',
  'unionid',
  'phone',
  'email',
  'wecom_external_userid',
  'openid',
  'douyin_openid',
  'anonymous_id',
] as const;
export type IdType = (typeof ID_TYPES)[number];

export const isIdType = (t: string): t is IdType => (ID_TYPES as readonly string[]).includes(t);

export interface Identifier {
  type: IdType;
  /** App id for openid (each 公众号/小程序 has its own openid space); '' for types that are global. */
  scope: string;
  value: string;
}

export type Normalized = { ok: true; value: string } | { ok: false; reason: string };

const JUNK = new Set([
  '', 'null', 'undefined', 'none', 'nil', 'nan', '0', '-1', '-', 'n/a', 'na', 'unknown', 'anonymous', 'anon', 'guest',
  'true', 'false', '[object object]', 'test', '00000000-0000-0000-0000-000000000000', 'default', 'user', 'visitor',
]);

// Well-known placeholder numbers stores type for walk-ins; never evidence that two people are one.
const PLACEHOLDER_PHONES = new Set(['13800000000', '13800138000', '13888888888', '13000000000', '18888888888', '12345678901']);

export function normalizeIdentifier(type: IdType, raw: unknown): Normalized {
  if (raw === null || raw === undefined) return { ok: false, reason: 'is empty' };
  if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, reason: `must be a string, got ${typeof raw}` };
  let value = String(raw).trim();
  if (JUNK.has(value.toLowerCase())) return { ok: false, reason: `"${value}" is a placeholder, not an identifier` };
  switch (type) {
    case 'phone':
      return normalizePhone(value);
    case 'email':
      value = value.toLowerCase();
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? { ok: true, value } : { ok: false, reason: `"${value}" is not an email address` };
    case 'user_id':
    case 'member_no':
      // Spreadsheets and pandas write integer ids as 17850.0; they are the same id as 17850.
      value = value.replace(/^(\d+)\.0+$/, '$1');
      break;
  }
  if (value.length > 200) return { ok: false, reason: 'is longer than 200 characters' };
  // Runs of zeros or filler characters are placeholders; "1111" can be a real member number and is kept.
  if (/^0+$/.test(value) || /^([x*#_\-.])\1+$/i.test(value)) return { ok: false, reason: `"${value}" is a placeholder` };
  return { ok: true, value };
}

function normalizePhone(raw: string): Normalized {
  let digits = raw.replace(/[\s\-()]/g, '');
  if (digits.startsWith('+86')) digits = digits.slice(3);
  else if (digits.startsWith('0086')) digits = digits.slice(4);
  else if (digits.startsWith('86') && digits.length === 13) digits = digits.slice(2);
  if (/^1[3-9]\d{9}$/.test(digits)) {
    if (PLACEHOLDER_PHONES.has(digits) || /^1\d(\d)\1{8}$/.test(digits)) return { ok: false, reason: `${digits} is a placeholder phone number` };
    return { ok: true, value: digits };
  }
  if (/^\+\d{6,15}$/.test(digits)) return { ok: true, value: digits };
  return { ok: false, reason: `"${raw}" is not a mainland mobile number (11 digits starting with 1) or +<country code><number>` };
}

export const identifierKey = (id: Identifier) => `${id.type}|${id.scope}|${id.value}`;
