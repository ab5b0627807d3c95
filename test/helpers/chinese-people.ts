// Realistic Chinese customer records with known truth, for matching tests and benchmarks. People are drawn like the
// demo brand's (its catalog of surnames, given-name characters and cities, its PRNG), with a household address and
// sometimes an email. Duplicates arrive through another channel (mini-program, e-commerce order, store till, an
// imported list) that keeps some fields and spoils others the way Chinese data is spoilt: a homophone typed by the
// pinyin IME (同音字), a similar-looking wrong character, traditional characters, 姓名 written in the wrong order or
// in pinyin, one phone digit wrong or two swapped, a new phone number, day and month swapped, fields left empty.
// Hard negatives are built in: family members at the same address (often the same surname, sometimes the same
// phone), people sharing a surname and a city, and the commonest names in China (张伟, 王芳 ...) held by strangers.
import { pinyin } from 'pinyin-pro';
import * as OpenCC from 'opencc-js';
import { dict } from '@node-rs/jieba/dict.js';
import { CITIES, GIVEN, SURNAMES } from '../../src/demo/catalog.ts';
import { Random } from '../../src/demo/random.ts';
import type { PersonRecord } from '../../src/matching/record.ts';

const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });

const DISTRICTS: Record<string, string[]> = {
  上海: ['浦东新区', '徐汇区', '静安区', '闵行区', '杨浦区'], 北京: ['朝阳区', '海淀区', '东城区', '丰台区'],
  广州: ['天河区', '越秀区', '海珠区', '番禺区'], 深圳: ['南山区', '福田区', '宝安区', '龙岗区'],
  杭州: ['西湖区', '上城区', '拱墅区', '滨江区'], 南京: ['鼓楼区', '玄武区', '建邺区', '江宁区'],
  成都: ['锦江区', '武侯区', '青羊区', '成华区'], 武汉: ['江汉区', '武昌区', '洪山区'], 西安: ['雁塔区', '碑林区', '未央区'],
  重庆: ['渝中区', '江北区', '南岸区'], 苏州: ['姑苏区', '吴中区', '相城区'], 长沙: ['岳麓区', '芙蓉区', '天心区'],
};
const POSTCODE_PREFIX: Record<string, string> = {
  上海: '200', 北京: '100', 广州: '510', 深圳: '518', 杭州: '310', 南京: '210', 成都: '610', 武汉: '430', 西安: '710', 重庆: '400', 苏州: '215', 长沙: '410',
};
const STREETS = ['人民路', '中山路', '解放路', '建设路', '和平路', '长江路', '黄河路', '文化路', '新华路', '青年路', '光明路', '学院路', '科技路', '滨江大道', '世纪大道', '东风路', '胜利路', '朝阳路', '幸福路', '民主路'];
const ESTATES = ['阳光花园', '锦绣苑', '翠湖天地', '金色家园', '绿地小区', '碧桂园', '万科城', '保利花园', '华润中心', '恒大名都', '龙湖春江郦城', '世茂滨江'];
/** The commonest full names in China: strangers holding them are the hardest negatives. */
const COMMON_NAMES = ['张伟', '王伟', '王芳', '李伟', '李娜', '张敏', '李静', '王静', '刘伟', '王秀英', '张丽', '李秀英', '王丽', '张静', '李强', '王敏', '李敏', '王磊', '刘洋', '陈静'];

/** Common characters grouped by toneless pinyin (jieba's single-character frequencies), for IME homophone typos. */
const HOMOPHONES: Map<string, string[]> = (() => {
  const out = new Map<string, string[]>();
  for (const line of Buffer.from(dict).toString('utf8').split('\n')) {
    const [word, freq] = line.split(' ');
    if (!word || [...word].length !== 1 || !/[\u4e00-\u9fff]/.test(word) || Number(freq) < 2000) continue;
    const p = pinyin(word, { toneType: 'none' });
    out.set(p, [...(out.get(p) ?? []), word]);
  }
  return out;
})();

export interface Person {
  surname: string;
  given: string;
  phone: string;
  birthday: string; // YYYY-MM-DD
  province: string;
  city: string;
  address: string | null;
  postcode: string;
  email: string | null;
}

export type Corruption =
  | 'homophone' | 'wrong_character' | 'traditional' | 'swapped_order' | 'pinyin_name' | 'phone_digit' | 'phone_transposed'
  | 'new_phone' | 'day_month_swapped' | 'birthday_digit' | 'address_shortened' | 'missing_phone' | 'missing_birthday' | 'missing_address';

export interface ChineseBase {
  records: PersonRecord[];
  /** record id -> person */
  truth: Map<number, string>;
  /** duplicate record id -> what was done to it */
  corruptions: Map<number, Corruption[]>;
  people: number;
  /** People who are another person's family member (same address). */
  families: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

class PeopleDrawer {
  constructor(private readonly r: Random) {}

  surname(): string {
    // The catalog lists surnames by frequency; real ones fall off roughly like 1/rank.
    return this.r.weighted(SURNAMES.map((s, k) => [s, 1 / (k + 3)] as const));
  }

  given(): string {
    return this.r.pick(GIVEN) + (this.r.chance(0.7) ? this.r.pick(GIVEN) : '');
  }

  phone(): string {
    return `1${this.r.pick(['3', '5', '7', '8', '9'])}${pad(this.r.int(0, 999_999_999), 9)}`;
  }

  birthday(from: number, to: number): string {
    return `${this.r.int(from, to)}-${pad(this.r.int(1, 12))}-${pad(this.r.int(1, 28))}`;
  }

  address(city: string) {
    const r = this.r;
    const districts = DISTRICTS[city];
    const d = r.int(0, districts.length - 1);
    const estate = r.chance(0.7) ? `${r.pick(ESTATES)}${r.int(1, 30)}栋${r.int(1, 32)}0${r.int(1, 4)}室` : `${r.int(1, 12)}0${r.int(1, 6)}室`;
    return {
      address: `${districts[d]}${r.pick(STREETS)}${r.int(1, 999)}号${estate}`,
      postcode: `${POSTCODE_PREFIX[city]}${d}${r.int(0, 9)}${r.int(0, 9)}`,
    };
  }

  email(surname: string, given: string): string | null {
    if (!this.r.chance(0.3)) return null;
    if (this.r.chance(0.5)) return `${this.r.int(10_000_000, 3_999_999_999)}@qq.com`;
    return `${pinyin(given, { toneType: 'none', separator: '' })}${pinyin(surname, { toneType: 'none' })}${this.r.int(1, 99)}@163.com`;
  }

  person(): Person {
    const r = this.r;
    const common = r.chance(0.03) ? r.pick(COMMON_NAMES) : null;
    const surname = common ? common[0] : this.surname();
    const given = common ? common.slice(1) : this.given();
    const [province, city] = r.pick(CITIES);
    const { address, postcode } = this.address(city);
    return {
      surname, given, phone: this.phone(), birthday: this.birthday(1965, 2004), province, city,
      address: r.chance(0.75) ? address : null, postcode, email: this.email(surname, given),
    };
  }

  /** Someone living with `p`: a spouse, a child, a parent or a sibling — same address, their own name and birthday. */
  familyMember(p: Person): Person {
    const r = this.r;
    const relation = r.weighted([['spouse', 3], ['child', 3], ['parent', 2], ['sibling', 2]] as const);
    const year = Number(p.birthday.slice(0, 4));
    const years = { spouse: [year - 5, year + 5], child: [year + 22, year + 35], parent: [year - 35, year - 22], sibling: [year - 6, year + 6] }[relation];
    const surname = relation === 'spouse' ? this.surname() : p.surname;
    // Siblings often share a generation character (字辈): 王静怡 and 王静雯.
    // Nobody is named like a parent, child or sibling (a naming taboo; siblings' names also sound different): draw
    // again until the names sound different.
    const sound = (g: string) => pinyin(g, { toneType: 'none', separator: '' });
    let given = p.given;
    while (sound(given) === sound(p.given)) given = relation === 'sibling' && p.given.length === 2 && r.chance(0.5) ? p.given[0] + r.pick(GIVEN) : this.given();
    return {
      ...p,
      surname, given,
      phone: r.chance(0.25) ? p.phone : this.phone(), // a parent registers a child with their own phone
      birthday: this.birthday(Math.max(1940, years[0]), Math.min(2012, years[1])),
      email: this.email(surname, given),
    };
  }
}

/** Where a record was captured decides which fields it has. */
const CHANNELS = [
  ['mini_program', { phone: 1, birthday: 0.7, address: 0.5, email: 0.2, postcode: 0.3 }, 35],
  ['ecommerce', { phone: 1, birthday: 0.2, address: 1, email: 0.1, postcode: 0.7 }, 30],
  ['store', { phone: 1, birthday: 0.5, address: 0.1, email: 0, postcode: 0 }, 20],
  ['imported_list', { phone: 0.8, birthday: 0.9, address: 0.3, email: 0.5, postcode: 0.3 }, 15],
] as const;

function spoil(r: Random, p: Person, c: Corruption): Person {
  const q = { ...p };
  const swapDigits = (s: string, i: number) => s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
  switch (c) {
    case 'homophone': {
      const k = r.int(0, q.given.length - 1);
      const same = (HOMOPHONES.get(pinyin(q.given[k], { toneType: 'none' })) ?? []).filter((ch) => ch !== q.given[k]);
      if (same.length) q.given = q.given.slice(0, k) + r.pick(same) + q.given.slice(k + 1);
      break;
    }
    case 'wrong_character': {
      const k = r.int(0, q.given.length - 1);
      q.given = q.given.slice(0, k) + r.pick(GIVEN.filter((ch) => ch !== q.given[k])) + q.given.slice(k + 1);
      break;
    }
    case 'phone_digit': {
      const k = r.int(3, 10);
      q.phone = q.phone.slice(0, k) + String((Number(q.phone[k]) + r.int(1, 9)) % 10) + q.phone.slice(k + 1);
      break;
    }
    case 'phone_transposed': {
      const k = r.int(3, 9);
      q.phone = q.phone[k] === q.phone[k + 1] ? q.phone.slice(0, k) + String((Number(q.phone[k]) + 1) % 10) + q.phone.slice(k + 1) : swapDigits(q.phone, k);
      break;
    }
    case 'new_phone':
      q.phone = `1${r.pick(['3', '5', '7', '8', '9'])}${pad(r.int(0, 999_999_999), 9)}`;
      break;
    case 'day_month_swapped': {
      const [y, m, d] = q.birthday.split('-');
      q.birthday = Number(d) <= 12 && d !== m ? `${y}-${d}-${m}` : `${y}-${m}-${pad((Number(d) % 28) + 1)}`;
      break;
    }
    case 'birthday_digit': {
      const [y, m, d] = q.birthday.split('-');
      q.birthday = r.chance(0.5) ? `${y.slice(0, 3)}${(Number(y[3]) + r.int(1, 3)) % 10}-${m}-${d}` : `${y}-${m}-${pad(((Number(d) + r.int(1, 8) - 1) % 28) + 1)}`;
      break;
    }
    case 'address_shortened':
      // Without the district, or without the flat: what a courier form or a store clerk keeps.
      if (q.address) q.address = r.chance(0.5) ? q.address.replace(/^[^区]+区/, '') : q.address.replace(/\d+栋\d+室$|\d+室$/, '');
      break;
    case 'missing_phone':
      q.phone = '';
      break;
    case 'missing_birthday':
      q.birthday = '';
      break;
    case 'missing_address':
      q.address = null;
      break;
    default:
      break; // name spellings are applied when the record is written
  }
  return q;
}

const CORRUPTIONS: (readonly [Corruption, number])[] = [
  ['homophone', 12], ['wrong_character', 6], ['traditional', 8], ['swapped_order', 5], ['pinyin_name', 4], ['phone_digit', 8],
  ['phone_transposed', 5], ['new_phone', 6], ['day_month_swapped', 6], ['birthday_digit', 5], ['address_shortened', 6],
  ['missing_phone', 6], ['missing_birthday', 6], ['missing_address', 4],
];

function toRecord(r: Random, id: number, p: Person, channel: (typeof CHANNELS)[number][1], spelled: Corruption[]): PersonRecord {
  let name = p.surname + p.given;
  if (spelled.includes('swapped_order')) name = p.given + p.surname;
  if (spelled.includes('pinyin_name')) {
    const [s, g] = [p.surname, p.given].map((x) => pinyin(x, { toneType: 'none', separator: '' }).replace(/^./, (ch) => ch.toUpperCase()));
    name = r.chance(0.5) ? `${g} ${s}` : `${s} ${g}`;
  }
  let address = p.address && r.chance(channel.address) ? p.address : null;
  if (spelled.includes('traditional')) {
    name = toTraditional(name);
    if (address) address = toTraditional(address);
  }
  return {
    id,
    name,
    phone: p.phone && r.chance(channel.phone) ? p.phone : null,
    birthDate: p.birthday && r.chance(channel.birthday) ? p.birthday : null,
    email: p.email && r.chance(channel.email) ? p.email : null,
    address,
    city: p.city,
    region: p.province,
    postcode: address && r.chance(channel.postcode) ? p.postcode : null,
  };
}

/**
 * About `n` records: people with one record each, a quarter of them with one or two duplicates, and a family member
 * (a different person at the same address) for one in ten.
 */
export function chineseBase(n: number, seed = 21): ChineseBase {
  const r = new Random(seed);
  const draw = new PeopleDrawer(r);
  const records: PersonRecord[] = [];
  const truth = new Map<number, string>();
  const corruptions = new Map<number, Corruption[]>();
  let people = 0;
  let families = 0;
  const add = (p: Person, person: string, spelled: Corruption[], channel = r.weighted(CHANNELS.map(([, c, w]) => [c, w] as const))) => {
    const id = records.length + 1;
    records.push(toRecord(r, id, p, channel, spelled));
    truth.set(id, person);
    if (spelled.length) corruptions.set(id, spelled);
  };
  const newPerson = (p: Person) => {
    const person = `p${++people}`;
    add(p, person, []);
    if (r.chance(0.25)) {
      for (let k = r.int(1, 2); k > 0 && records.length < n; k--) {
        const spelled: Corruption[] = [];
        let q = p;
        for (let j = r.int(1, 2); j > 0; j--) {
          const c = r.weighted(CORRUPTIONS);
          spelled.push(c);
          q = spoil(r, q, c);
        }
        add(q, person, spelled);
      }
    }
  };
  while (records.length < n) {
    const p = draw.person();
    newPerson(p);
    if (p.address && r.chance(0.1) && records.length < n) {
      families++;
      newPerson(draw.familyMember(p));
    }
  }
  return { records, truth, corruptions, people, families };
}

export interface ChineseQuality {
  records: number;
  truePairs: number;
  auto: { pairs: number; precision: number; recall: number };
  review: { pairs: number; precision: number };
  /** Share of true pairs found if every review pair were merged too (an upper bound for review work). */
  recallWithReview: number;
  /** Wrongly merged pairs, for the failure message. */
  wrong: { a: number; b: number }[];
}

/** Auto-merge precision and recall over the pairs the clusters imply, and the precision of the review queue. */
export function measure(base: ChineseBase, clusters: number[][], review: { a: number; b: number }[]): ChineseQuality {
  const people = new Map<string, number>();
  for (const p of base.truth.values()) people.set(p, (people.get(p) ?? 0) + 1);
  let truePairs = 0;
  for (const k of people.values()) truePairs += (k * (k - 1)) / 2;
  let pairs = 0;
  let correct = 0;
  const wrong: { a: number; b: number }[] = [];
  const found = new Set<string>();
  for (const c of clusters) {
    for (let i = 0; i < c.length; i++) {
      for (let j = i + 1; j < c.length; j++) {
        pairs++;
        if (base.truth.get(c[i]) === base.truth.get(c[j])) {
          correct++;
          found.add(`${Math.min(c[i], c[j])}:${Math.max(c[i], c[j])}`);
        } else wrong.push({ a: c[i], b: c[j] });
      }
    }
  }
  const reviewCorrect = review.filter((p) => base.truth.get(p.a) === base.truth.get(p.b));
  for (const p of reviewCorrect) found.add(`${Math.min(p.a, p.b)}:${Math.max(p.a, p.b)}`);
  return {
    records: base.records.length,
    truePairs,
    auto: { pairs, precision: pairs ? correct / pairs : 1, recall: truePairs ? correct / truePairs : 1 },
    review: { pairs: review.length, precision: review.length ? reviewCorrect.length / review.length : 1 },
    recallWithReview: truePairs ? found.size / truePairs : 1,
    wrong,
  };
}
