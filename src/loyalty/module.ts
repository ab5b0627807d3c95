// Loyalty: points ledger, tiers, coupons, the points mall and referrals. Orders earn points in the transaction that
// stores them (the `orders` hook); the sweeper expires lots, reviews tiers and issues coupon jobs.
import { defineModule } from '../kernel/module.ts';
import { loyaltyOrderHook } from './service.ts';
import { registerLoyaltyRoutes } from './routes.ts';
import { registerMemberRoutes } from './member-routes.ts';
import { registerCouponRoutes } from './coupons/routes.ts';
import { registerMallRoutes } from './mall/routes.ts';
import { registerReferralRoutes } from './referrals/routes.ts';
import { PointsSweeper } from './sweeper.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    sweeper: PointsSweeper;
  }
}

export const loyaltyModule = defineModule({
  name: 'loyalty',
  permissions: { 'loyalty:manage': ['owner', 'admin'], 'loyalty:operate': ['owner', 'admin', 'operator', 'staff'] },
  setup(ctx) {
    ctx.hooks.add('orders', loyaltyOrderHook(ctx));
    ctx.services.provide('sweeper', new PointsSweeper(ctx));
  },
  routes(app, ctx) {
    registerLoyaltyRoutes(app, ctx);
    registerMemberRoutes(app, ctx);
    registerCouponRoutes(app, ctx);
    registerMallRoutes(app, ctx);
    registerReferralRoutes(app, ctx);
  },
  workers: (ctx) => [ctx.services.get('sweeper')],
  nav: [{ path: '/loyalty', label: 'loyalty', group: 'operate', order: 20, permission: 'customers:read', icon: 'CrownOutlined' }],
});
