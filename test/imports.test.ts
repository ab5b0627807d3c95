// Imports over HTTP: CSV and XLSX, streamed, with per-row error reports; the real UCI Online Retail file end to end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { ENGINES, startPlatform, waitFor, type TestPlatform } from './helpers/platform.ts';

const UCI = path.resolve('../shared/data/retail/online_retail_uci_2010-12_2011-12.csv');

async function upload(t: TestPlatform, kind: string, filename: string, content: Buffer | string, options: Record<string, unknown> = {}) {
  const form = new FormData();
  form.append('kind', kind);
  form.append('options', JSON.stringify(options));
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), filename);
  const res = await fetch(`${t.url}/v1/imports`, { method: 'POST', body: form, headers: { authorization: `Bearer ${t.ws.secretKey}` } });
  return { status: res.status, body: await res.json() };
}

const finished = (t: TestPlatform, id: string) =>
  waitFor(`import ${id}`, async () => {
    const r = (await t.api('GET', `/v1/imports/${id}`)).body;
    return r.status === 'done' || r.status === 'failed' ? r : null;
  }, 240_000);

for (const engine of ENGINES) {
  describe(`imports (${engine})`, () => {
    let t: TestPlatform;
    before(async () => (t = await startPlatform(engine)));
    after(async () => t.close());

    it('imports valid order lines, reports each invalid row with its field, and the report is spreadsheet-safe', async () => {
      const csv = [
        '订单号,手机号,下单时间,商品编码,商品名称,数量,单价,门店',
        'A-1,13912340001,2026-06-18 20:15:00,CAM-101,精华水,2,189.00,上海南京西路店',
        'A-1,13912340001,2026-06-18 20:15:00,CAM-102,面霜,1,259.00,上海南京西路店',
        'A-2,13912340002,not a date,CAM-101,精华水,1,189.00,',
        ',13912340003,2026-06-19 10:00:00,CAM-101,=HYPERLINK("http://evil"),1,189.00,',
        'A-3,13912340003,2026-06-19 10:00:00,CAM-101,精华水,1,-5,',
        'A-4,,2026-06-20 11:00:00,CAM-103,洁面,3,89.00,',
        'R-1,13912340001,2026-06-25 11:00:00,CAM-102,面霜,-1,259.00,',
      ].join('\n');
      const created = await upload(t, 'orders', 'orders.csv', csv);
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const done = await finished(t, created.body.id);
      assert.equal(done.status, 'done', done.error);
      assert.equal(done.rowsDone, 7);
      assert.equal(done.rowsOk, 4);
      assert.equal(done.rowsError, 3);
      assert.equal(done.summary.orders_created, 3);
      assert.equal(done.summary.guest_orders, 1);
      assert.equal(done.summary.returns, 1);

      const order = (await t.api('GET', '/v1/orders/A-1')).body;
      assert.equal(order.amount, 2 * 18900 + 25900);
      assert.equal(order.items.length, 2);
      assert.equal(order.placed_at, '2026-06-18T12:15:00.000Z', 'naive times are read in the workspace zone (Asia/Shanghai)');
      const ret = (await t.api('GET', '/v1/orders/R-1')).body;
      assert.equal(ret.kind, 'return');
      assert.equal(ret.status, 'refunded');

      const report = await fetch(`${t.url}/v1/imports/${created.body.id}/errors.csv`, { headers: { authorization: `Bearer ${t.ws.secretKey}` } });
      assert.equal(report.status, 200);
      const text = await report.text();
      const lines = text.trim().split('\r\n');
      assert.equal(lines.length, 4, text);
      assert.match(lines[1], /^3,placed_at,"""not a date"" is not a date-time"/);
      assert.match(lines[2], /^4,order_id,is required/);
      assert.match(lines[3], /^5,unit_price,must not be negative \(got -5\)/);
      assert.match(lines[0], /^row,field,message,订单号,手机号,下单时间/);
      assert.match(lines[2], /"'=HYPERLINK\(""http:\/\/evil""\)"/, 'the formula is kept as text');
      assert.ok(!/(^|,)"?[=+@]/m.test(text), 'no cell starts a formula');
    });

    it('imports customers from XLSX, encrypting PII and recognising Chinese headers', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('会员');
      ws.addRow(['姓名', '手机号', '会员卡号', '生日', '城市', '等级']);
      ws.addRow(['张三', '13700001111', 'VIP-001', new Date(Date.UTC(1990, 4, 1)), '上海', '金卡']);
      ws.addRow(['李四', '13700002222', 'VIP-002', '1992-08-15', '北京', '银卡']);
      ws.addRow(['无名', '', '', '', '广州', '']);
      const buf = Buffer.from(await wb.xlsx.writeBuffer());
      const created = await upload(t, 'customers', 'members.xlsx', buf);
      const done = await finished(t, created.body.id);
      assert.equal(done.status, 'done', done.error);
      assert.equal(done.rowsOk, 2);
      assert.equal(done.rowsError, 1);
      const c = (await t.api('GET', '/v1/customers?q=13700001111')).body.customers[0];
      const view = (await t.api('GET', `/v1/customers/${c.id}`)).body;
      assert.equal(view.pii.name, '张*');
      assert.equal(view.attributes['等级'], '金卡');
      assert.equal(view.attributes.city, '上海');
      assert.deepEqual(view.identities.map((i: any) => i.type).sort(), ['member_no', 'phone']);
      const raw = await t.platform.ctx.db.query(`SELECT pii::text AS p FROM customers WHERE id = $1`, [c.id]);
      assert.ok(!raw.rows[0].p.includes('张三') && !raw.rows[0].p.includes('13700001111'), 'PII is encrypted at rest');
      // Importing the same file again changes nothing.
      const again = await finished(t, (await upload(t, 'customers', 'members.xlsx', buf)).body.id);
      assert.equal(again.summary.duplicates, 2);
    });

    it('imports events and refuses a file that lacks a required column, saying which', async () => {
      // The third row's NUL character cannot be stored: that row is reported, the chunk it shares is not lost.
      const csv = 'event,user_id,timestamp,sku\nProduct Viewed,u-77,2026-03-01T10:00:00Z,CAM-101\nProduct Viewed,u-77,yesterday,CAM-102\nProduct Viewed,u-78,2026-03-01T10:00:00Z,CAM\u0000103\n';
      const created = await upload(t, 'events', 'events.csv', csv);
      const done = await finished(t, created.body.id);
      assert.equal(done.rowsOk, 1);
      assert.equal(done.rowsError, 2);
      const report = await (await fetch(`${t.url}/v1/imports/${created.body.id}/errors.csv`, { headers: { authorization: `Bearer ${t.ws.secretKey}` } })).text();
      assert.match(report, /^3,sku,"contains a NUL character.*,CAM\uFFFD103\r$/m, 'the refused row is quoted back with the NUL replaced');
      const bad = await finished(t, (await upload(t, 'orders', 'bad.csv', 'foo,bar\n1,2\n')).body.id);
      assert.equal(bad.status, 'failed');
      assert.match(bad.error, /no column for order_id/);
      const wrongKind = await upload(t, 'people', 'x.csv', 'a\n1');
      assert.equal(wrongKind.status, 400);
      assert.equal(wrongKind.body.error.problems[0].field, 'kind');
      const wrongType = await upload(t, 'orders', 'x.pdf', 'a\n1');
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.body.error.problems[0].field, 'file');
    });

    it('accounts for every one of the 541,909 lines of the UCI Online Retail file', { skip: !fs.existsSync(UCI) && 'shared data missing' }, async () => {
      const created = await upload(t, 'orders', 'online_retail.csv', fs.readFileSync(UCI), { timezone: 'Europe/London', currency: 'GBP' });
      const done = await finished(t, created.body.id);
      assert.equal(done.status, 'done', done.error);
      assert.equal(done.rowsDone, 541_909);
      assert.equal(done.rowsOk + done.rowsError, 541_909);
      assert.equal(done.rowsError, 2, 'the two "Adjust bad debt" lines with a negative unit price');
      assert.equal(done.summary.lines, 541_907);
      assert.equal(done.summary.guest_lines, 135_080 - 2, 'lines without a CustomerID are guest orders');
      // Every invoice is one order; customers are keyed by CustomerID with "17850.0" read as 17850.
      const orders = await t.platform.ctx.db.query<{ n: number; r: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE kind = 'return')::int AS r FROM orders WHERE properties->>'_import' = $1`, [created.body.id]);
      assert.equal(orders.rows[0].n, 25_898);
      const c = (await t.api('GET', '/v1/customers?q=17850')).body.customers;
      assert.equal(c.length, 1);
      assert.ok(c[0].orderCount > 30);
    });
  });
}
