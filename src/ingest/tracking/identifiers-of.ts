// Which identifiers a tracking message carries: userId, anonymousId, identifier traits and context.externalIds
// (Segment's typed id list: [{ id, type, collection }] where collection scopes openids to an app).
import { type Identifier, type IdType, isIdType, normalizeIdentifier } from '../../identity/identifiers.ts';
import type { TrackingMessage } from './schema.ts';
import { isStorableInstant } from '../../kernel/time.ts';

export interface Extracted {
  identifiers: Identifier[];
  warnings: { field: string; message: string }[];
}

const TRAIT_TYPES: Record<string, IdType> = {
  phone: 'phone',
  email: 'email',
  unionid: 'unionid',
  openid: 'openid',
  wecom_external_userid: 'wecom_external_userid',
  external_userid: 'wecom_external_userid',
  douyin_openid: 'douyin_openid',
  member_no: 'member_no',
  member_number: 'member_no',
};

export function identifiersOf(m: TrackingMessage): Extracted {
  const out: Extracted = { identifiers: [], warnings: [] };
  const add = (type: IdType, raw: unknown, field: string, scope = '') => {
    const n = normalizeIdentifier(type, raw);
    if (n.ok) out.identifiers.push({ type, scope: type === 'openid' ? scope : '', value: n.value });
    else out.warnings.push({ field, message: `${n.reason}; ignored as an identifier` });
  };
  if (m.userId != null) add('user_id', m.userId, 'userId');
  if (m.anonymousId != null) add('anonymous_id', m.anonymousId, 'anonymousId');
  const traits = { ...((m.context?.traits as Record<string, unknown>) ?? {}), ...(m.type === 'identify' ? m.traits ?? {} : {}) };
  const appId = String(traits.openid_app_id ?? (m.context?.app as any)?.id ?? '');
  for (const [key, type] of Object.entries(TRAIT_TYPES)) {
    if (traits[key] !== undefined && traits[key] !== null && traits[key] !== '') add(type, traits[key], `traits.${key}`, appId);
  }
  const external = m.context?.externalIds;
  if (Array.isArray(external)) {
    external.forEach((e: any, i) => {
      if (e && typeof e === 'object' && isIdType(String(e.type))) add(e.type, e.id, `context.externalIds.${i}.id`, String(e.collection ?? ''));
      else out.warnings.push({ field: `context.externalIds.${i}.type`, message: 'unknown identifier type; ignored' });
    });
  }
  // The same identifier named twice (userId and externalIds) counts once.
  const seen = new Set<string>();
  out.identifiers = out.identifiers.filter((id) => {
    const k = `${id.type}|${id.scope}|${id.value}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  return out;
}

/** Clock-skew correction from the Segment spec: shift the client's timestamp by how far its clock was off when it sent. */
export function correctedTimestamp(m: TrackingMessage, receivedAt: Date, batchSentAt?: string): { ts: Date; original: Date | null } {
  const original = m.timestamp ?? m.originalTimestamp;
  const sentAt = m.sentAt ?? batchSentAt;
  if (!original) return { ts: receivedAt, original: null };
  const t = new Date(original);
  if (!sentAt) return { ts: t, original: t };
  const skew = receivedAt.getTime() - new Date(sentAt).getTime();
  // A sentAt centuries off (a device whose clock was never set) would move the event out of any storable range:
  // the sender's own timestamp is the better guess then.
  const corrected = t.getTime() + skew;
  return { ts: isStorableInstant(corrected) ? new Date(corrected) : t, original: t };
}
