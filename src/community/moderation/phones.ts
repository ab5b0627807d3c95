// Phone numbers as advertisers write them: mainland mobiles (139 1234 5678, 139-1234-5678, +86 139…), landlines with
// their area code (021-1234 5678, 0571 8888 8888), 400/800 service numbers — in ASCII, full-width (folded before) or
// Chinese digits (一三九…, 幺 for 1). A run of digits with at most two separator characters between them is read as
// one number and must be a phone number as a whole: an order number that contains eleven digits is not one.
export type PhoneKind = 'mobile' | 'landline' | 'service';

export interface PhoneHit {
  start: number;
  end: number;
  digits: string;
  kind: PhoneKind;
}

const DIGITS: Record<string, string> = {
  〇: '0', 零: '0', 一: '1', 幺: '1', 壹: '1', 二: '2', 两: '2', 贰: '2', 三: '3', 叁: '3', 四: '4', 肆: '4',
  五: '5', 伍: '5', 六: '6', 陆: '6', 七: '7', 柒: '7', 八: '8', 捌: '8', 九: '9', 玖: '9',
};
const SEPARATORS = ' -.·—_/()~*|\u3000\t–、';
const MAX_SEPARATORS = 2;

// Per UTF-16 unit: its digit value (0-9), SEPARATOR, or NONE — one array read per character of the message.
const NONE = -1;
const SEPARATOR = -2;
const TABLE = new Int8Array(65536).fill(NONE);
for (let d = 0; d <= 9; d++) TABLE[0x30 + d] = d;
for (const [ch, d] of Object.entries(DIGITS)) TABLE[ch.charCodeAt(0)] = Number(d);
for (const ch of SEPARATORS) TABLE[ch.charCodeAt(0)] = SEPARATOR;

export function findPhones(folded: string): PhoneHit[] {
  const out: PhoneHit[] = [];
  const n = folded.length;
  let i = 0;
  while (i < n) {
    if (TABLE[folded.charCodeAt(i)] < 0) {
      i++;
      continue;
    }
    // The run: digits (their positions), separators of at most MAX_SEPARATORS characters between them.
    const run: Digit[] = [];
    let j = i;
    while (j < n) {
      const c = folded.charCodeAt(j);
      const d = TABLE[c];
      if (d >= 0) {
        run.push({ d, at: j, chinese: c > 0x39 });
        j++;
        continue;
      }
      let k = j;
      while (k < n && k - j < MAX_SEPARATORS && TABLE[folded.charCodeAt(k)] === SEPARATOR) k++;
      if (k > j && k < n && TABLE[folded.charCodeAt(k)] >= 0) j = k;
      else break;
    }
    // The whole run first (一三9… mixes scripts to dodge filters); failing that, its ASCII and Chinese parts apart,
    // so that 13912345678一定 is still the mobile it starts with.
    if (run.length >= 10 && !classify(folded, run, out)) {
      let from = 0;
      for (let r = 1; r <= run.length; r++) {
        if (r === run.length || run[r].chinese !== run[from].chinese) {
          classify(folded, run.slice(from, r), out);
          from = r;
        }
      }
    }
    i = j;
  }
  return out;
}

interface Digit {
  d: number;
  at: number;
  chinese: boolean;
}

function classify(folded: string, run: Digit[], out: PhoneHit[]): boolean {
  if (run.length < 10) return false;
  const kind = phoneKind(run.map((r) => r.d).join(''));
  if (!kind) return false;
  const first = run[0].at;
  // A '+' right before the number is part of an international prefix (+86).
  out.push({ start: first > 0 && folded[first - 1] === '+' ? first - 1 : first, end: run[run.length - 1].at + 1, digits: kind.digits, kind: kind.kind });
  return true;
}

function phoneKind(raw: string): { kind: PhoneKind; digits: string } | null {
  let d = raw;
  if (d.startsWith('0086')) d = d.slice(4);
  else if (d.startsWith('86') && d.length === 13) d = d.slice(2);
  if (/^1[3-9]\d{9}$/.test(d)) return { kind: 'mobile', digits: d };
  if (/^[48]00\d{7}$/.test(d)) return { kind: 'service', digits: d };
  if (/^0[1-9]\d{8,10}$/.test(d)) return { kind: 'landline', digits: d };
  return null;
}
