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
import { aliyunSmsProvider } from './providers/aliyun-sms.ts';
import { tencentSmsProvider } from './providers/tencent-sms.ts';

export const PROVIDER_KINDS = ['smtp', 'webhook', 'inbox', 'aliyun_sms', 'tencent_sms'] as const;
export const SMS_KINDS = new Set<string>(['aliyun_sms', 'tencent_sms']);

/** Every channel may have a daily quota: messages beyond it that day are suppressed as channel_quota. */
const dailyQuota = z.number().int().min(1).max(100_000_000).nullable().default(null);
/** A provider's own address, for an on-premise gateway or a test double; checked against private addresses. */
const endpoint = z.string().url().max(500).optional();

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
    dailyQuota,
  }),
  z.object({
    kind: z.literal('webhook'),
    config: z.object({ url: z.string().url().max(2000).optional() }).default({}),
    secret: z.string().min(16, 'a signing secret of at least 16 characters').max(500).optional(),
    ratePerSecond: z.number().int().min(1).max(10_000).default(50),
    dailyQuota,
  }),
  z.object({
    kind: z.literal('inbox'),
    config: z.object({}).default({}),
    secret: z.string().max(0).optional(),
    ratePerSecond: z.number().int().min(1).max(100_000).default(1000),
    dailyQuota,
  }),
  z.object({
    kind: z.literal('aliyun_sms'),
    config: z.object({
      accessKeyId: z.string().min(1).max(200),
      signName: z.string().min(1).max(50),
      regionId: z.string().max(50).default('cn-hangzhou'),
      endpoint,
    }),
    secret: z.string().min(1).max(500).optional(), // AccessKeySecret
    ratePerSecond: z.number().int().min(1).max(10_000).default(50),
    dailyQuota,
  }),
  z.object({
    kind: z.literal('tencent_sms'),
    config: z.object({
      secretId: z.string().min(1).max(200),
      sdkAppId: z.string().regex(/^\d{6,20}$/, 'the SmsSdkAppId, digits as shown in the SMS console'),
      signName: z.string().min(1).max(50),
      region: z.string().max(50).default('ap-guangzhou'),
      endpoint,
    }),
    secret: z.string().min(1).max(500).optional(), // SecretKey
    ratePerSecond: z.number().int().min(1).max(10_000).default(50),
    dailyQuota,
  }),
]);
export type ChannelInput = z.infer<typeof channelSchema>;

export interface ChannelRow {
  channel: string;
  kind: string;
  config: Record<string, any>;
  secret_enc: string | null;
  rate_per_second: number;
  daily_quota: number | null;
}

export function providerFor(kind: string, opts: { allowPrivateOutbound: boolean }): Provider {
  switch (kind) {
    case 'smtp':
      return smtpProvider;
    case 'webhook':
      return webhookProvider(opts.allowPrivateOutbound);
    case 'inbox':
      return inboxProvider;
    case 'aliyun_sms':
      return aliyunSmsProvider(opts.allowPrivateOutbound);
    case 'tencent_sms':
      return tencentSmsProvider(opts.allowPrivateOutbound);
    default:
      throw new Error(`unknown provider kind ${kind}`);
  }
}

export async function saveChannel(tx: TenantTx, pii: Pii, channel: string, input: ChannelInput, now: Date, allowPrivate: boolean) {
  const [field, url] = input.kind === 'webhook' ? ['config.url', input.config.url] : SMS_KINDS.has(input.kind) ? ['config.endpoint', (input.config as { endpoint?: string }).endpoint] : ['', undefined];
  if (url) {
    try {
      await assertPublicUrl(url, allowPrivate);
    } catch (err) {
      if (err instanceof UnsafeUrlError) throw new AppError(400, 'unsafe_url', `${field}: ${err.message}`, [{ field, message: err.message }]);
      throw err;
    }
  }
  if (SMS_KINDS.has(input.kind) && !input.secret) {
    const { rows } = await tx.query(`SELECT 1 FROM channel_providers WHERE workspace_id = $1 AND channel = $2 AND kind = $3 AND secret_enc IS NOT NULL`, [tx.workspaceId, channel, input.kind]);
    if (!rows[0]) {
      const message = `the ${input.kind === 'aliyun_sms' ? 'AccessKeySecret' : 'SecretKey'} is needed to sign requests`;
      throw new AppError(400, 'missing_secret', `secret: ${message}`, [{ field: 'secret', message }]);
    }
  }
  // A secret left out keeps the stored one, so the console can change settings without re-typing passwords.
  await tx.query(
    `INSERT INTO channel_providers (workspace_id, channel, kind, config, secret_enc, rate_per_second, daily_quota, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (workspace_id, channel) DO UPDATE SET kind = EXCLUDED.kind, config = EXCLUDED.config,
       secret_enc = COALESCE(EXCLUDED.secret_enc, channel_providers.secret_enc), rate_per_second = EXCLUDED.rate_per_second,
       daily_quota = EXCLUDED.daily_quota, updated_at = EXCLUDED.updated_at`,
    [tx.workspaceId, channel, input.kind, JSON.stringify(input.config), input.secret ? pii.encrypt(input.secret) : null, input.ratePerSecond, input.dailyQuota, now],
  );
}

export async function loadChannels(tx: TenantTx): Promise<Map<string, ChannelRow>> {
  const { rows } = await tx.query<ChannelRow>(`SELECT channel, kind, config, secret_enc, rate_per_second, daily_quota FROM channel_providers WHERE workspace_id = $1`, [tx.workspaceId]);
  return new Map(rows.map((r) => [r.channel, r]));
}

export const settingsOf = (row: ChannelRow, pii: Pii): ProviderSettings => ({ kind: row.kind, config: row.config, secret: row.secret_enc ? pii.decrypt(row.secret_enc) : null });

/** What the API shows: never the secret, only whether one is set. */
export const channelView = (r: any) => ({
  channel: r.channel, kind: r.kind, config: r.config, has_secret: r.secret_enc != null, rate_per_second: r.rate_per_second, daily_quota: r.daily_quota, updated_at: r.updated_at,
});
