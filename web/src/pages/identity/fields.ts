// Display names of the fields the matcher compares and of the profile fields shown side by side in a review, and
// the comparison results in the operator's language.
const NAMES: Record<string, [string, string]> = {
  given: ['名', 'Given name'], surname: ['姓', 'Surname'], birthDate: ['生日', 'Birth date'], idNumber: ['证件号', 'ID number'],
  phone: ['手机', 'Phone'], email: ['邮箱', 'Email'], streetNumber: ['门牌号', 'Street number'], street: ['街道', 'Street'],
  locality: ['小区/楼宇', 'Locality'], city: ['城市', 'City'], postcode: ['邮编', 'Postcode'], region: ['省份', 'Region'],
  address: ['地址', 'Address'], name: ['姓名', 'Name'], birthday: ['生日', 'Birthday'], province: ['省份', 'Province'],
  place: ['地区（城市·省份·邮编合计）', 'Place (city, province, postcode together)'],
};

export const fieldName = (field: string, zh: boolean) => NAMES[field]?.[zh ? 0 : 1] ?? field;

const LABELS: Record<string, string> = {
  different: '不同', similar: '相似', 'very similar': '非常相似', exact: '完全一致', missing: '缺失', 'one typo': '一处错字',
  'two digits differ': '两位数字不同', 'one typo or day/month swapped': '一处错字或日月颠倒', 'same mailbox name or one typo': '邮箱名相同或一处错字',
  'similar words': '词语相似',
};

/** One comparison result as the evidence table shows it; the place row lists each place field's result. */
export function comparisonLabel(e: { label: string; parts?: { field: string; label: string }[]; share?: number }, zh: boolean): string {
  const one = (label: string) => (zh ? LABELS[label] ?? label : label);
  const text = e.parts ? e.parts.map((p) => `${fieldName(p.field, zh)} ${one(p.label)}`).join(' · ') : one(e.label);
  if (e.share === undefined) return text;
  const pct = e.share >= 0.01 ? `${(e.share * 100).toFixed(1)}%` : `${(e.share * 100).toFixed(2)}%`;
  return zh ? `${text}（${pct} 的客户是这个值）` : `${text} (${pct} of profiles hold this value)`;
}

/** Profile fields in the order a reviewer reads them. */
export const PROFILE_FIELDS = ['name', 'phone', 'email', 'birthday', 'address', 'city', 'province', 'postcode'] as const;
