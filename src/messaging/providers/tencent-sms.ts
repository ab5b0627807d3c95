// Tencent Cloud SMS (SendSms, API 2021-01-11) with TC3-HMAC-SHA256 (signature v3): a canonical request of method,
// path, query, the signed headers (content-type, host) and the body's SHA-256; a string to sign with the timestamp
// and the date/service/tc3_request scope; a key derived as HMAC("TC3"+SecretKey, date) → service → "tc3_request".
// The documented example (2019-02-25, cvm, DescribeInstances) is a unit test of tc3Sign.
import crypto from 'node:crypto';
import { ProviderError, type Provider } from './provider.ts';
import { sendChecked } from './webhook.ts';
import { smsPayloadOf } from './sms.ts';

export const TENCENT_SMS_ENDPOINT = 'https://sms.tencentcloudapi.com/';
const CONTENT_TYPE = 'application/json; charset=utf-8';

const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: crypto.BinaryLike, s: string) => crypto.createHmac('sha256', key).update(s, 'utf8').digest();

export interface Tc3Input {
  secretId: string;
  secretKey: string;
  service: string;
  host: string;
  timestamp: number;
  payload: string;
  contentType?: string;
}

export function tc3Sign(i: Tc3Input) {
  const contentType = i.contentType ?? CONTENT_TYPE;
  const signedHeaders = 'content-type;host';
  // Header names and values go into the canonical form in lower case.
  const canonicalRequest = ['POST', '/', '', `content-type:${contentType.toLowerCase()}\nhost:${i.host.toLowerCase()}\n`, signedHeaders, sha256(i.payload)].join('\n');
  const date = new Date(i.timestamp * 1000).toISOString().slice(0, 10); // UTC, as the scope requires
  const scope = `${date}/${i.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(i.timestamp), scope, sha256(canonicalRequest)].join('\n');
  const signing = hmac(hmac(hmac(`TC3${i.secretKey}`, date), i.service), 'tc3_request');
  const signature = crypto.createHmac('sha256', signing).update(stringToSign, 'utf8').digest('hex');
  return {
    canonicalRequest, stringToSign, signature,
    authorization: `TC3-HMAC-SHA256 Credential=${i.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

const RETRYABLE = /^(LimitExceeded|RequestLimitExceeded|InternalError|ResourceUnavailable)/;

export function tencentSmsProvider(allowPrivate: boolean): Provider {
  return {
    addressOf: (p) => p.phone ?? null,
    async send(msg, settings) {
      const { secretId, sdkAppId, signName, region, endpoint } = settings.config;
      if (!settings.secret) throw new ProviderError('the Tencent Cloud SecretKey is not set', false);
      const sms = smsPayloadOf(msg);
      const target = new URL(endpoint ?? TENCENT_SMS_ENDPOINT);
      const phone = msg.to!.startsWith('+') ? msg.to! : `+86${msg.to}`;
      const payload = JSON.stringify({
        PhoneNumberSet: [phone], SmsSdkAppId: sdkAppId, SignName: signName, TemplateId: sms.templateCode,
        TemplateParamSet: sms.params.map((p) => p.value), SessionContext: msg.idemKey.slice(0, 512),
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const signed = tc3Sign({ secretId, secretKey: settings.secret, service: 'sms', host: target.host, timestamp, payload });
      const res = await sendChecked(target.toString(), {
        authorization: signed.authorization, 'content-type': CONTENT_TYPE, host: target.host,
        'x-tc-action': 'SendSms', 'x-tc-version': '2021-01-11', 'x-tc-timestamp': String(timestamp), 'x-tc-region': region ?? 'ap-guangzhou',
      }, payload, allowPrivate, 'tencent sms');
      let answer: { Response?: { Error?: { Code: string; Message: string }; SendStatusSet?: { Code: string; Message: string; SerialNo: string }[] } };
      try {
        answer = JSON.parse(res.body);
      } catch {
        throw new ProviderError(`tencent sms: HTTP ${res.status} with a body that is not JSON`, res.status >= 500);
      }
      const error = answer.Response?.Error ?? (res.status >= 300 ? { Code: `HTTP ${res.status}`, Message: '' } : undefined);
      if (error) throw new ProviderError(`tencent sms: ${error.Code}: ${error.Message}`, res.status >= 500 || RETRYABLE.test(error.Code));
      const status = answer.Response?.SendStatusSet?.[0];
      if (!status) throw new ProviderError('tencent sms: no send status in the answer', true);
      if (status.Code === 'Ok') return { providerId: status.SerialNo };
      throw new ProviderError(`tencent sms: ${status.Code}: ${status.Message}`, RETRYABLE.test(status.Code));
    },
  };
}
