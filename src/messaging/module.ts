// Messaging: channels and their providers, the send policy, consents, templates, the outbox and its dispatcher, tracked
// links. Every message of every capability goes through the send gate and the outbox here.
import { defineModule } from '../kernel/module.ts';
import { registerMessagingRoutes } from './routes.ts';
import { OutboxDispatcher } from './dispatcher.ts';
import { closeSmtpTransports } from './providers/smtp.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    dispatcher: OutboxDispatcher;
  }
}

export const messagingModule = defineModule({
  name: 'messaging',
  permissions: { 'channels:manage': ['owner', 'admin'], 'messages:send': ['owner', 'admin', 'operator', 'staff'] },
  setup(ctx) {
    ctx.services.provide('dispatcher', new OutboxDispatcher(ctx));
  },
  routes: registerMessagingRoutes,
  workers: (ctx) => [ctx.services.get('dispatcher')],
  nav: [
    { path: '/channels', label: 'channels', group: 'reach', order: 30, permission: 'customers:read', icon: 'ApiOutlined' },
    { path: '/content', label: 'content', group: 'reach', order: 40, permission: 'customers:read', icon: 'FileTextOutlined' },
  ],
  close: () => closeSmtpTransports(),
});
