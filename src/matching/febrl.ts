// Reading the Febrl evaluation files (rec_id, given_name, surname, street_number, address_1, address_2, suburb,
// postcode, state, date_of_birth, soc_sec_id). Records rec-N-org and rec-N-dup-k are the same person N.
import fs from 'node:fs';
import type { PersonRecord } from './record.ts';

export interface FebrlData {
  records: PersonRecord[];
  /** record id -> person */
  truth: Map<number, string>;
  /** record id -> rec_id as written in the file */
  recIds: Map<number, string>;
}

export function readFebrl(path: string): FebrlData {
  const lines = fs.readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',').map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const records: PersonRecord[] = [];
  const truth = new Map<number, string>();
  const recIds = new Map<number, string>();
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    const get = (name: string) => cells[col(name)] || null;
    const id = i + 1;
    const recId = get('rec_id')!;
    recIds.set(id, recId);
    truth.set(id, /^rec-(\d+)-/.exec(recId)![1]);
    records.push({
      id,
      givenName: get('given_name'),
      surname: get('surname'),
      streetNumber: get('street_number'),
      street: get('address_1'),
      locality: get('address_2'),
      city: get('suburb'),
      postcode: get('postcode'),
      region: get('state'),
      birthDate: get('date_of_birth'),
      idNumber: get('soc_sec_id'),
    });
  });
  return { records, truth, recIds };
}
