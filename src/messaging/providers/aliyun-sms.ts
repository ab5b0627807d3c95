// Aliyun SMS (短信服务, dysmsapi 2017-05-25, SendSms) with the RPC signature v1: parameters sorted by name, each
// percent-encoded per RFC 3986, "METHOD&%2F&<encoded query>" signed by HMAC-SHA1 with "<AccessKeySecret>&".
// The documented example (testId / testSecret, 2017-07-12T02:42:19Z) is a unit test of aliyunSignature.
import crypto from 'node:crypto';
import { ProviderError, type Provider } from './provider.ts';
import { sendChecked } from './webhook.ts';
import { smsPayloadOf } from './sms.ts';

export const ALIYUN_SMS_ENDPOINT = 'https://dysmsapi.aliyuncs.com/';

/** RFC 3986 percent-encoding as Aliyun wants it: only A-Z a-z 0-9 - _ . ~ stay as they are. */
export const aliyunEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function aliyunSignature(method: 'GET' | 'POST', params: Record<string, string>, accessKeySecret: string): string {
  const query = Object.keys(params).filter((k) => k !== 'Signature').sort().map((k) => `${aliyunEncode(k)}=${aliyunEncode(params[k])}`).join('&');
  const stringToSign = `${method}&${aliyunEncode('/')}&${aliyunEncode(query)}`;
  return crypto.createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64');
}

// Answers that trying again later can fix: flow control and the service's own trouble.
const RETRYABLE = /^(isv\.BUSINESS_LIMIT_CONTROL|Throttling|ServiceUnavailable|InternalError|isp\.)/;

export function aliyunSmsProvider(allowPrivate: boolean): Provider {
  return {
    addressOf: (p) => p.phone ?? null,
    async send(msg, settings) {
      const { accessKeyId, signName, regionId, endpoint } = settings.config;
      if (!settings.secret) throw new ProviderError('the Aliyun AccessKeySecret is not set', false);
      const sms = smsPayloadOf(msg);
      const params: Record<string, string> = {
        AccessKeyId: accessKeyId, Action: 'SendSms', Format: 'JSON', RegionId: regionId ?? 'cn-hangzhou',
        SignatureMethod: 'HMAC-SHA1', SignatureNonce: crypto.randomUUID(), SignatureVersion: '1.0',
        Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), Version: '2017-05-25',
        PhoneNumbers: msg.to!.replace(/^\+86/, ''), SignName: signName, TemplateCode: sms.templateCode,
        TemplateParam: JSON.stringify(Object.fromEntries(sms.params.map((p) => [p.name, p.value]))),
        OutId: msg.idemKey.slice(0, 256), // the provider's receipts carry it back: our idempotency key
      };
      params.Signature = aliyunSignature('POST', params, settings.secret);
      const body = Object.entries(params).map(([k, v]) => `${aliyunEncode(k)}=${aliyunEncode(v)}`).join('&');
      const res = await sendChecked(endpoint ?? ALIYUN_SMS_ENDPOINT, { 'content-type': 'application/x-www-form-urlencoded' }, body, allowPrivate, 'aliyun sms');
      let answer: { Code?: string; Message?: string; BizId?: string };
      try {
        answer = JSON.parse(res.body);
      } catch {
        throw new ProviderError(`aliyun sms: HTTP ${res.status} with a body that is not JSON`, res.status >= 500);
      }
      if (answer.Code === 'OK') return { providerId: answer.BizId ?? 'aliyun' };
      const code = answer.Code ?? `HTTP ${res.status}`;
      throw new ProviderError(`aliyun sms: ${code}: ${answer.Message ?? ''}`.trim(), res.status >= 500 || RETRYABLE.test(code));
    },
  };
}
