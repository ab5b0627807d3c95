// The Febrl evaluation records as a member list a brand would import (no social-security number: a profile has none).
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFebrl } from '../../src/matching/febrl.ts';
import { type TestPlatform, waitFor } from './platform.ts';

export const FEBRL_DS1 = path.resolve('../shared/data/identity/febrl_dataset1.csv');

export function febrlMemberCsv(febrl: ReturnType<typeof readFebrl>): string {
  const lines = ['user_id,name,birthday,address,city,province,postcode'];
  for (const r of febrl.records) {
    const address = [r.streetNumber, r.street, r.locality].filter(Boolean).join(' ');
    lines.push([febrl.recIds.get(r.id)!, [r.givenName, r.surname].filter(Boolean).join(' '), r.birthDate ?? '', address, r.city ?? '', r.region ?? '', r.postcode ?? ''].join(','));
  }
  return lines.join('\n');
}

/** Uploads a customer file through the imports API and waits for the import to finish. */
export async function importCustomers(t: TestPlatform, filename: string, content: string) {
  const form = new FormData();
  form.append('kind', 'customers');
  form.append('options', '{}');
  form.append('file', new Blob([content]), filename);
  const res = await fetch(`${t.url}/v1/imports`, { method: 'POST', body: form, headers: { authorization: `Bearer ${t.ws.secretKey}` } });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  return waitFor(`import ${id}`, async () => {
    const r = (await t.api('GET', `/v1/imports/${id}`)).body;
    return r.status === 'done' || r.status === 'failed' ? r : null;
  });
}
