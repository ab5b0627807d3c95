// Tags: manual, imported, rule and model tags in three tiers, with versions, coverage and usage. publish.ts is the one
// way anything sets or clears a customer's tag.
import { defineModule } from '../kernel/module.ts';
import { registerTagImportRoute, registerTagRoutes } from './routes.ts';
import { ruleTagsReading } from './usage.ts';

export const tagsModule = defineModule({
  name: 'tags',
  routes(app, ctx) {
    registerTagRoutes(app, ctx);
    registerTagImportRoute(app, ctx);
  },
  references: ruleTagsReading,
  nav: [{ path: '/tags', label: 'tags', group: 'understand', order: 10, permission: 'customers:read', icon: 'TagsOutlined' }],
});
