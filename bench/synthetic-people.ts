// A synthetic customer base for matching benchmarks, drawn from the Febrl vocabulary with known duplicates.
import type { PersonRecord } from '../src/matching/record.ts';

/** People drawn from the Febrl vocabulary, 20% of them with a second record carrying one or two typos. */
export function syntheticBase(n: number, vocab: PersonRecord[], seed = 7) {
  let state = seed;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pick = <K extends keyof PersonRecord>(k: K) => {
    for (;;) {
      const v = vocab[Math.floor(rand() * vocab.length)][k];
      if (v) return v as string;
    }
  };
  const typo = (s: string) => {
    const i = Math.floor(rand() * s.length);
    return s.slice(0, i) + String.fromCharCode(97 + Math.floor(rand() * 26)) + s.slice(i + 1);
  };
  const records: PersonRecord[] = [];
  const truth = new Map<number, string>();
  let person = 0;
  while (records.length < n) {
    person++;
    const dob = `${1930 + Math.floor(rand() * 75)}${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
    const base: Omit<PersonRecord, 'id'> = {
      givenName: pick('givenName'), surname: pick('surname'), streetNumber: String(1 + Math.floor(rand() * 200)), street: pick('street'),
      city: pick('city'), postcode: pick('postcode'), region: pick('region'), birthDate: dob, idNumber: String(1_000_000 + Math.floor(rand() * 9_000_000)),
    };
    records.push({ id: records.length + 1, ...base });
    truth.set(records.length, String(person));
    if (rand() < 0.2 && records.length < n) {
      const dup = { ...base };
      const fields = ['givenName', 'surname', 'street', 'city', 'birthDate', 'idNumber'] as const;
      for (let k = 0; k < 1 + Math.floor(rand() * 2); k++) {
        const f = fields[Math.floor(rand() * fields.length)];
        dup[f] = typo(dup[f] as string);
      }
      records.push({ id: records.length + 1, ...dup });
      truth.set(records.length, String(person));
    }
  }
  return { records, truth };
}
