// Identity: typed identifiers resolved into one profile by rules, merges recorded and undone. Owns the customers,
// identities and merges tables (roots.ts answers "which profile survived").
import { defineModule } from '../kernel/module.ts';
import { RulesCache } from './rules-cache.ts';
import { registerIdentityRoutes } from './routes.ts';
import { reencryptAll } from './reencrypt.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    identityRules: RulesCache;
  }
}

export const identityModule = defineModule({
  name: 'identity',
  permissions: { 'identity:merge': ['owner', 'admin'], 'identity:rules': ['owner', 'admin'] },
  setup(ctx) {
    ctx.services.provide('identityRules', new RulesCache());
    ctx.hooks.add('reseal', reencryptAll);
  },
  routes: registerIdentityRoutes,
});
