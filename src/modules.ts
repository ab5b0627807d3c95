// The capabilities this platform runs, lowest layer first: each may use the services, hook points and tables of those
// before it, never of those after it (docs/architecture.md; test/architecture.test.ts checks the imports).
// Adding a capability is adding its folder and one line here.
import type { CapabilityModule } from './kernel/module.ts';
import { accessModule } from './access/module.ts';
import { identityModule } from './identity/module.ts';
import { customersModule } from './customers/module.ts';
import { ingestModule } from './ingest/module.ts';
import { matchingModule } from './matching/module.ts';
import { segmentsModule } from './segments/module.ts';
import { traitsModule } from './traits/module.ts';
import { tagsModule } from './tags/module.ts';
import { analyticsModule } from './analytics/module.ts';
import { layersModule } from './layers/module.ts';
import { modelsModule } from './models/module.ts';
import { loyaltyModule } from './loyalty/module.ts';
import { messagingModule } from './messaging/module.ts';
import { journeysModule } from './journeys/module.ts';
import { broadcastsModule } from './broadcasts/module.ts';
import { overviewModule } from './overview/module.ts';
import { demoModule } from './demo/module.ts';
import { pipelineModule } from './pipeline/module.ts';

export const MODULES: readonly CapabilityModule[] = [
  accessModule,
  identityModule,
  customersModule,
  ingestModule,
  demoModule,
  matchingModule,
  tagsModule,
  traitsModule,
  segmentsModule,
  analyticsModule,
  layersModule,
  modelsModule,
  loyaltyModule,
  messagingModule,
  journeysModule,
  broadcastsModule,
  overviewModule,
  pipelineModule,
];
