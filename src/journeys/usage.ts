// Where journeys (their draft and their live version) read tags, segments or fields: this module's part of "where
// used" (kernel/where-used.ts). Archived journeys read nothing any more.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Usage, UsageTarget } from '../kernel/module.ts';
import { readsTarget, type References } from '../rules/rules.ts';
import { journeyReferences, type JourneyDefinition } from './definition.ts';

export async function journeysReading(tx: TenantTx, target: UsageTarget): Promise<Usage[]> {
  const { rows } = await tx.query<{ id: number; name: string; draft: JourneyDefinition; live: JourneyDefinition | null }>(
    `SELECT j.id, j.name, j.draft, v.definition AS live FROM journeys j
       LEFT JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.live_version
      WHERE j.workspace_id = $1 AND j.status <> 'archived'`, [tx.workspaceId]);
  return rows
    .filter((j) => readsTarget(merged(journeyReferences(j.draft), j.live ? journeyReferences(j.live) : null), target))
    .map((j) => ({ kind: 'journey', key: String(j.id), name: j.name }));
}

function merged(a: References, b: References | null): References {
  if (!b) return a;
  return { tags: new Set([...a.tags, ...b.tags]), segments: new Set([...a.segments, ...b.segments]), fields: new Set([...a.fields, ...b.fields]) };
}
