// What SMS providers need from a message: carriers in China only deliver approved templates, so the outbox carries
// the provider's template code and the rendered parameters besides the readable text.
import { ProviderError, type OutboundMessage } from './provider.ts';

export interface SmsPayload {
  templateCode: string;
  params: { name: string; value: string }[];
}

export function smsPayloadOf(msg: OutboundMessage): SmsPayload {
  const sms = msg.payload.sms as SmsPayload | undefined;
  if (!msg.to) throw new ProviderError('no phone number', false);
  if (!sms?.templateCode) throw new ProviderError('the template has no SMS template code; set sms.templateCode on it', false);
  return sms;
}
