// Every route says who may call it and what it answers: the guard refuses to register a /v1 route without a
// permission, and this test walks the registered routes. Routes answering without a declared schema are listed below
// while they are being given one: the list may only shrink (a route not on it must declare its answers).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type TestPlatform } from './helpers/platform.ts';
import { generatedTypes, GENERATED } from '../scripts/gen-api-types.ts';
import fs from 'node:fs';

const UNDECLARED = new Set([
  'PUT /v1/identity/rules',
  'GET /v1/merges/:id',
  'POST /v1/merges/:id/unmerge',
  'GET /v1/identity/conflicts',
  'GET /v1/customers',
  'GET /v1/customers/:id',
  'GET /v1/customers/:id/timeline',
  'POST /v1/imports',
  'GET /v1/imports',
  'GET /v1/imports/:id',
  'GET /v1/imports/:id/errors.csv',
  'GET /v1/identity/matching',
  'PUT /v1/identity/matching/thresholds',
  'POST /v1/identity/matching/runs',
  'GET /v1/identity/matching/runs/:id',
  'GET /v1/identity/matching/reviews',
  'POST /v1/identity/matching/reviews/:id/decision',
  'POST /v1/identity/matching/lookup',
  'GET /v1/tags',
  'POST /v1/tags',
  'GET /v1/tags/:key',
  'PUT /v1/tags/:key',
  'DELETE /v1/tags/:key',
  'POST /v1/tags/:key/customers',
  'POST /v1/tags/:key/import',
  'GET /v1/traits',
  'POST /v1/traits',
  'DELETE /v1/traits/:key',
  'GET /v1/segments/fields',
  'POST /v1/segments/preview',
  'GET /v1/segments',
  'POST /v1/segments',
  'GET /v1/segments/:key',
  'PUT /v1/segments/:key',
  'DELETE /v1/segments/:key',
  'GET /v1/segments/:key/export.csv',
  'GET /v1/segments/:key/members',
  'GET /v1/recomputes/:id',
  'GET /v1/recomputes',
  'GET /v1/analytics/metrics',
  'POST /v1/analytics/metrics/query',
  'POST /v1/analytics/overview',
  'POST /v1/analytics/funnels',
  'POST /v1/analytics/funnels/segment',
  'POST /v1/analytics/retention',
  'POST /v1/analytics/paths',
  'POST /v1/analytics/attribution',
  'PUT /v1/analytics/costs',
  'GET /v1/analytics/costs',
  'GET /v1/analytics/reports',
  'POST /v1/analytics/reports',
  'GET /v1/analytics/reports/:id',
  'GET /v1/analytics/reports/:id/page',
  'GET /v1/analytics/reports/:id/image.svg',
  'POST /v1/analytics/snapshot',
  'GET /v1/dashboards',
  'POST /v1/dashboards',
  'POST /v1/dashboards/:id/charts',
  'DELETE /v1/dashboards/:id/charts/:chartId',
  'GET /v1/dashboards/:id',
  'GET /v1/layers',
  'PUT /v1/layers/rfm',
  'PUT /v1/layers/quadrant',
  'POST /v1/layers/explain',
  'POST /v1/layers/refresh',
  'PUT /v1/layers/lifecycle',
  'GET /v1/customers/:id/send-time',
  'POST /v1/models/recommend/fit',
  'GET /v1/customers/:id/recommendations',
  'POST /v1/models/clv/fit',
  'GET /v1/models/clv',
  'GET /v1/loyalty/program',
  'PUT /v1/loyalty/program',
  'GET /v1/loyalty/members/:customerId',
  'POST /v1/loyalty/members/:customerId/actions',
  'POST /v1/loyalty/members/:customerId/redemptions',
  'POST /v1/loyalty/members/:customerId/adjustments',
  'POST /v1/loyalty/members/:customerId/holds',
  'POST /v1/loyalty/holds/:id/capture',
  'POST /v1/loyalty/holds/:id/release',
  'GET /v1/loyalty/liability',
  'GET /v1/loyalty/members',
  'GET /v1/loyalty/tiers',
  'GET /v1/loyalty/members/:customerId/tier',
  'GET /v1/loyalty/members/:customerId/wallet',
  'GET /v1/loyalty/coupon-templates',
  'POST /v1/loyalty/coupon-templates',
  'POST /v1/loyalty/coupon-templates/:id/status',
  'POST /v1/loyalty/coupon-templates/:id/issue',
  'GET /v1/loyalty/coupon-issues/:id',
  'GET /v1/loyalty/coupon-issues',
  'POST /v1/loyalty/members/:customerId/coupons',
  'GET /v1/loyalty/members/:customerId/coupons',
  'POST /v1/loyalty/checkout/validate',
  'POST /v1/loyalty/checkout/lock',
  'POST /v1/loyalty/checkout/:reference/confirm',
  'POST /v1/loyalty/checkout/:reference/release',
  'GET /v1/loyalty/mall/rewards',
  'POST /v1/loyalty/mall/rewards',
  'PUT /v1/loyalty/mall/rewards/:id',
  'POST /v1/loyalty/mall/orders',
  'GET /v1/loyalty/mall/orders',
  'POST /v1/loyalty/mall/orders/:id/pay',
  'POST /v1/loyalty/mall/orders/:id/fulfil',
  'POST /v1/loyalty/mall/orders/:id/cancel',
  'POST /v1/loyalty/mall/orders/:id/refund',
  'GET /v1/loyalty/members/:customerId/invite',
  'POST /v1/loyalty/referrals',
  'GET /v1/loyalty/referrals',
  'GET /v1/loyalty/referrals/leaderboard',
  'POST /v1/loyalty/referrals/:id/approve',
  'POST /v1/loyalty/referrals/:id/reject',
  'GET /v1/channels',
  'PUT /v1/channels/:channel',
  'GET /v1/messaging/policy',
  'PUT /v1/messaging/policy',
  'GET /v1/templates',
  'POST /v1/templates',
  'PUT /v1/templates/:id',
  'POST /v1/templates/preview',
  'PUT /v1/customers/:customerId/consents',
  'GET /v1/customers/:customerId/consents',
  'POST /v1/messages',
  'GET /v1/messages',
  'GET /v1/inbox',
  'GET /v1/tasks',
  'GET /v1/t/c/:token',
  'GET /v1/t/o/:token',
  'GET /v1/t/u/:token',
  'POST /v1/t/u/:token',
  'GET /v1/journeys',
  'GET /v1/journeys/library',
  'POST /v1/journeys',
  'GET /v1/journeys/:id',
  'PUT /v1/journeys/:id',
  'POST /v1/journeys/validate',
  'POST /v1/journeys/:id/publish',
  'POST /v1/journeys/:id/pause',
  'POST /v1/journeys/:id/resume',
  'POST /v1/journeys/:id/archive',
  'GET /v1/journeys/:id/stats',
  'GET /v1/journeys/:id/runs',
  'POST /v1/broadcasts/estimate',
  'POST /v1/broadcasts',
  'GET /v1/broadcasts',
  'GET /v1/broadcasts/:id',
  'POST /v1/broadcasts/:id/pause',
  'POST /v1/broadcasts/:id/resume',
  'POST /v1/broadcasts/:id/cancel',
  'GET /v1/broadcasts/:id/recipients',
  'GET /v1/overview',
]);

describe('routes', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startPlatform('pglite');
  });
  after(() => t.close());

  it('every API route declares who may call it, and public ones say so', () => {
    const routes = t.platform.ctx.services.get('routeTable').filter((r) => r.url.startsWith('/v1/'));
    assert.ok(routes.length > 150);
    assert.deepEqual(routes.filter((r) => !r.permission).map((r) => `${r.method} ${r.url}`), []);
    const publicRoutes = routes.filter((r) => r.permission === 'public' && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`).sort();
    assert.deepEqual(publicRoutes, ['GET /v1/t/c/:token', 'GET /v1/t/o/:token', 'GET /v1/t/u/:token', 'POST /v1/auth/login', 'POST /v1/auth/logout', 'POST /v1/t/u/:token']);
  });

  it('every API route declares its answers, but for those still listed', () => {
    const routes = t.platform.ctx.services.get('routeTable').filter((r) => r.url.startsWith('/v1/') && r.method !== 'HEAD');
    const undeclared = routes.filter((r) => !r.responseSchema).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(undeclared.filter((r) => !UNDECLARED.has(r)), [], 'new routes must declare a response schema');
    assert.deepEqual([...UNDECLARED].filter((r) => !undeclared.includes(r)), [], 'these declare one now: take them off the list');
  });

  it('a signed-in request without the permission is refused before its body is read', async () => {
    const staff = await t.api('POST', '/v1/api-keys', { kind: 'secret', name: 'staff', role: 'staff' });
    const res = await t.api('PUT', '/v1/identity/rules', { rules: 'not even valid' }, { authorization: `Bearer ${staff.body.key}` });
    assert.equal(res.status, 403);
    assert.match(res.body.error.message, /staff/);
  });

  it("the console's API types are generated from the current schemas (npm run gen:api)", async () => {
    const current = fs.readFileSync(GENERATED, 'utf8') === (await generatedTypes());
    assert.ok(current, 'web/src/api/openapi.gen.ts is stale: run npm run gen:api');
  });
});
