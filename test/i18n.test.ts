// The console's two languages: every message exists in both (the [zh-CN, en] pairs make a missing one a compile
// error), with the same {placeholders}, nothing empty, no key defined by two areas, and no page choosing a language
// inline instead of through a key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AREAS } from '../web/src/i18n/messages/index.ts';

/** Pages written before the catalogues, with the inline language choices they still make. */
const STILL_INLINE = new Map<string, number>([
  ['web/src/components/AppLayout.tsx', 1],
  ['web/src/components/RecomputeProgress.tsx', 2],
  ['web/src/components/RuleBuilder.tsx', 23],
  ['web/src/i18n/index.tsx', 1],
  ['web/src/main.tsx', 1],
  ['web/src/pages/Layers.tsx', 31],
  ['web/src/pages/Login.tsx', 1],
  ['web/src/pages/Predictions.tsx', 31],
  ['web/src/pages/Segments.tsx', 24],
  ['web/src/pages/Tags.tsx', 25],
  ['web/src/pages/analytics/AnalyticsPage.tsx', 7],
  ['web/src/pages/analytics/CohortTabs.tsx', 21],
  ['web/src/pages/analytics/FunnelTab.tsx', 26],
  ['web/src/pages/analytics/MetricsTab.tsx', 7],
  ['web/src/pages/analytics/ReachTabs.tsx', 31],
  ['web/src/pages/analytics/shared.tsx', 13],
  ['web/src/pages/broadcasts/BroadcastsPage.tsx', 55],
  ['web/src/pages/channels/ChannelsPage.tsx', 35],
  ['web/src/pages/content/TemplatesPage.tsx', 22],
  ['web/src/pages/identity/IdentityPage.tsx', 32],
  ['web/src/pages/identity/RunMerges.tsx', 22],
  ['web/src/pages/identity/ReviewQueue.tsx', 17],
  ['web/src/pages/identity/Thresholds.tsx', 15],
  ['web/src/pages/identity/fields.ts', 3],
  ['web/src/pages/journeys/JourneyEditor.tsx', 35],
  ['web/src/pages/journeys/JourneysPage.tsx', 13],
  ['web/src/pages/journeys/NodeForm.tsx', 49],
  ['web/src/pages/journeys/graph.ts', 6],
  ['web/src/pages/loyalty/Coupons.tsx', 42],
  ['web/src/pages/loyalty/LoyaltyPage.tsx', 15],
  ['web/src/pages/loyalty/Mall.tsx', 26],
  ['web/src/pages/loyalty/Members.tsx', 30],
  ['web/src/pages/loyalty/Programme.tsx', 26],
  ['web/src/pages/loyalty/Referrals.tsx', 16],
]);

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function webSources(dir = path.resolve('web/src')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? webSources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('console messages', () => {
  it('every message has both languages, the same placeholders, and one owner', () => {
    const seen = new Map<string, string>();
    for (const [area, messages] of Object.entries(AREAS)) {
      for (const [key, [zh, en]] of Object.entries(messages as Record<string, readonly [string, string]>)) {
        assert.ok(zh.trim() && en.trim(), `${area}.${key} is empty in a language`);
        assert.deepEqual(placeholders(zh), placeholders(en), `${area}.${key}: placeholders differ between zh-CN and en`);
        assert.ok(!seen.has(key), `${key} is defined by both ${seen.get(key)} and ${area}`);
        seen.set(key, area);
      }
    }
  });

  it('pages choose their language through keys, not inline (the pages still being converted may only improve)', () => {
    const inline = webSources().flatMap((f) => {
      const text = fs.readFileSync(f, 'utf8');
      const n = (text.match(/\bzh \?|lang === 'en' \?|lang !== 'en' \?/g) ?? []).length;
      const allowed = STILL_INLINE.get(path.relative('.', f)) ?? 0;
      return n > allowed ? [`${path.relative('.', f)}: ${n} inline choices (at most ${allowed})`] : [];
    });
    assert.deepEqual(inline, []);
  });
});
