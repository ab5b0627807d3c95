// One interface for every channel's provider. A provider sends one message and says what the provider called it;
// failures say whether trying again can help. Each message carries its idempotency key so providers (and
// receivers) that support one can drop a repeat after a crash between sending and recording the send.
import type { TenantTx } from '../../kernel/tenant.ts';

export interface OutboundMessage {
  outboxId: number;
  idemKey: string;
  workspaceId: string;
  customerId: number | null;
  channel: string;
  to: string | null;
  subject: string | null;
  body: string;
  payload: Record<string, unknown>;
  unsubscribeUrl?: string;
}

export interface ProviderSettings {
  kind: string;
  config: Record<string, any>;
  secret: string | null;
}

export class ProviderError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export interface Provider {
  /** Sends over the network; the outbox records the result afterwards. */
  send?(msg: OutboundMessage, settings: ProviderSettings): Promise<{ providerId: string }>;
  /** Delivers a batch inside the outbox transaction (the console inbox): exactly once by construction. */
  deliverInTx?(tx: TenantTx, msgs: OutboundMessage[], now: Date): Promise<{ providerId: string }[]>;
  /** The customer's address on this channel, from their decrypted profile (null: none, so nothing to send). */
  addressOf(profile: { email?: string; phone?: string }): string | null;
}
