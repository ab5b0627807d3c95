// Splitting incoming traits into encrypted PII and plain attributes, and reading a profile back (masked or not).
import type { Pii } from '../kernel/crypto/pii.ts';
import { maskFor } from '../kernel/crypto/mask.ts';
import { normalizeIdentifier } from '../identity/identifiers.ts';

export const PII_FIELDS = ['name', 'phone', 'email', 'address', 'birthday'] as const;
export type PiiField = (typeof PII_FIELDS)[number];

/** Trait keys that are identifiers: they become identities, not attributes. */
export const IDENTIFIER_TRAITS = new Set(['phone', 'email', 'unionid', 'openid', 'openid_app_id', 'wecom_external_userid', 'external_userid', 'douyin_openid', 'member_no', 'member_number']);

/** Incoming traits split into PII (plaintext, normalized; sealed only once it is known to be new) and attributes. */
export interface SplitTraits {
  pii: Partial<Record<PiiField, string>>;
  traits: Record<string, unknown>;
}

/** PII as the customers row stores it. */
export interface SealedPii {
  pii: Record<string, string>;
  piiMasked: Record<string, string>;
  nameBidx: string | null;
}

export function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function splitTraits(traits: Record<string, unknown>): SplitTraits {
  const out: SplitTraits = { pii: {}, traits: {} };
  const t = { ...traits };
  if (t.name === undefined && (t.firstName || t.lastName)) t.name = [t.lastName, t.firstName].filter(Boolean).join('');
  delete t.firstName;
  delete t.lastName;
  for (const [key, raw] of Object.entries(t)) {
    if (raw === undefined || raw === null || raw === '') continue;
    if ((PII_FIELDS as readonly string[]).includes(key)) {
      let value = typeof raw === 'object' ? Object.values(raw as object).filter(Boolean).join(' ') : String(raw).trim();
      if (key === 'phone' || key === 'email') {
        // Stored the way lookups see it (13912345678, lower-case email) when it is a valid value.
        const n = normalizeIdentifier(key, value);
        if (n.ok) value = n.value;
      }
      out.pii[key as PiiField] = value;
    } else if (!IDENTIFIER_TRAITS.has(key)) {
      out.traits[key] = raw;
    }
  }
  return out;
}

export function sealPii(pii: Pii, plain: Partial<Record<PiiField, string>>): SealedPii {
  const sealed: SealedPii = { pii: {}, piiMasked: {}, nameBidx: null };
  for (const [key, value] of Object.entries(plain)) {
    sealed.pii[key] = pii.encrypt(value);
    sealed.piiMasked[key] = maskFor(key, value);
    if (key === 'name') sealed.nameBidx = pii.blindIndex('name', normalizeName(value));
  }
  return sealed;
}

/** Removes PII from traits before they are stored on an event (the profile keeps the encrypted copy). */
export function stripPii(traits: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!traits) return traits;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(traits)) {
    if ((PII_FIELDS as readonly string[]).includes(k) || IDENTIFIER_TRAITS.has(k) || k === 'firstName' || k === 'lastName') continue;
    out[k] = v;
  }
  return out;
}

export function revealPii(pii: Pii, sealed: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(sealed).map(([k, v]) => [k, pii.decrypt(v)]));
}
