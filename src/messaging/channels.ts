// The channels a workspace has set up: which provider each uses, its settings and its sealed secret.
import { z } from 'zod';
import type { Pii } from '../kernel/crypto/pii.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError } from '../kernel/errors.ts';
import { assertPublicUrl, UnsafeUrlError } from '../kernel/net/ssrf.ts';
import type { Provider, ProviderSettings } from './providers/provider.ts';
import { inboxProvider } from './providers/inbox.ts';
import { smtpProvider } from './providers/smtp.ts';
import { webhookProvider } from './providers/webhook.ts';

export const PROVIDER_KINDS = ['smtp', 'webhook', 'inbox'] as const;

export const channelSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('smtp'),
    config: z.object({
      host: z.string().min(1).max(255),
      port: z.number().int().min(1).max(65535).default(587),
      secure: z.boolean().default(false),
      user: z.string().max(255).optional(),
      from: z.string().min(3).max(255),
      rejectUnauthorized: z.boolean().default(true),
    }),
    secret: z.string().max(500).optional(),
    ratePerSecond: z.number().int().min(1).max(10_000).default(20),
  }),
  z.object({
    kind: z.literal('webhook'),
    config: z.object({ url: z.string().url().max(2000).optional() }).default({}),
    secret: z.string().min(16, 'a signing secret of at least 16 characters').max(500).optional(),
    ratePerSecond: z.number().int().min(1).max(10_000).default(50),
  }),
  z.object({
    kind: z.literal('inbox'),
    config: z.object({}).default({}),
    secret: z.string().max(0).optional(),
    ratePerSecond: z.number().int().min(1).max(100_000).default(1000),
  }),
]);
export type ChannelInput = z.infer<typeof channelSchema>;

export interface ChannelRow {
  channel: string;
  kind: string;
  config: Record<string, any>;
  secret_enc: string | null;
  rate_per_second: number;
}

export function providerFor(kind: string, opts: { allowPrivateOutbound: boolean }): Provider {
  switch (kind) {
    case 'smtp':
      return smtpProvider;
    case 'webhook':
      return webhookProvider(opts.allowPrivateOutbound);
    case 'inbox':
      return inboxProvider;
    default:
      throw new Error(`unknown provider kind ${kind}`);
  }
}

export async function saveChannel(tx: TenantTx, pii: Pii, channel: string, input: ChannelInput, now: Date, allowPrivate: boolean) {
  if (input.kind === 'webhook' && input.config.url) {
    try {
      await assertPublicUrl(input.config.url, allowPrivate);
    } catch (err) {
      if (err instanceof UnsafeUrlError) throw new AppError(400, 'unsafe_url', `config.url: ${err.message}`, [{ field: 'config.url', message: err.message }]);
      throw err;
    }
  }
  // A secret left out keeps the stored one, so the console can change settings without re-typing passwords.
  await tx.query(
    `INSERT INTO channel_providers (workspace_id, channel, kind, config, secret_enc, rate_per_second, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (workspace_id, channel) DO UPDATE SET kind = EXCLUDED.kind, config = EXCLUDED.config,
       secret_enc = COALESCE(EXCLUDED.secret_enc, channel_providers.secret_enc), rate_per_second = EXCLUDED.rate_per_second, updated_at = EXCLUDED.updated_at`,
    [tx.workspaceId, channel, input.kind, JSON.stringify(input.config), input.secret ? pii.encrypt(input.secret) : null, input.ratePerSecond, now],
  );
}

export async function loadChannels(tx: TenantTx): Promise<Map<string, ChannelRow>> {
  const { rows } = await tx.query<ChannelRow>(`SELECT channel, kind, config, secret_enc, rate_per_second FROM channel_providers WHERE workspace_id = $1`, [tx.workspaceId]);
  return new Map(rows.map((r) => [r.channel, r]));
}

export const settingsOf = (row: ChannelRow, pii: Pii): ProviderSettings => ({ kind: row.kind, config: row.config, secret: row.secret_enc ? pii.decrypt(row.secret_enc) : null });

/** What the API shows: never the secret, only whether one is set. */
export const channelView = (r: any) => ({
  channel: r.channel, kind: r.kind, config: r.config, has_secret: r.secret_enc != null, rate_per_second: r.rate_per_second, updated_at: r.updated_at,
});
