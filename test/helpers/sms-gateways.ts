// Stand-ins for the Aliyun and Tencent Cloud SMS APIs (their servers cannot be reached from here). Each checks a
// request the way the provider documents it, written here independently of Siyu's signers: Aliyun's RPC signature
// (HMAC-SHA1 over the sorted, RFC 3986-encoded parameters, with a fresh nonce and a recent timestamp) and Tencent's
// TC3-HMAC-SHA256 (canonical request from the headers and body actually received, a scope dated from the
// timestamp, at most five minutes old). Bad signatures get the providers' own error codes.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  provider: 'aliyun' | 'tencent';
  phone: string;
  signName: string;
  templateCode: string;
  params: Record<string, string> | string[];
  reference: string;
}

export interface SmsGateways {
  url: string;
  received: ReceivedSms[];
  rejected: { provider: string; code: string }[];
  /** The next n requests answer with the provider's flow-control error. */
  throttleNext(n: number): void;
  close(): Promise<void>;
}

const ALIYUN = { id: 'LTAI-test-key', secret: 'aliyun-test-secret' };
const TENCENT = { id: 'AKID-test-key', secret: 'tencent-test-secret' };
export const SMS_CREDENTIALS = { aliyun: ALIYUN, tencent: TENCENT };
/** A number the carriers refuse: permanent failure. */
export const BAD_PHONE = '13800000001';

// RFC 3986 unreserved characters stay; every other UTF-8 byte is %XX (upper case).
function rfc3986(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export async function startSmsGateways(): Promise<SmsGateways> {
  const received: ReceivedSms[] = [];
  const rejected: { provider: string; code: string }[] = [];
  const nonces = new Set<string>();
  let throttle = 0;

  const aliyun = (raw: string): { status: number; body: object } => {
    const form = new URLSearchParams(raw);
    const params = Object.fromEntries(form.entries());
    const fail = (status: number, Code: string, Message: string) => {
      rejected.push({ provider: 'aliyun', code: Code });
      return { status, body: { Code, Message, RequestId: crypto.randomUUID() } };
    };
    if (params.AccessKeyId !== ALIYUN.id) return fail(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const canonical = Object.keys(params).filter((k) => k !== 'Signature').sort().map((k) => `${rfc3986(k)}=${rfc3986(params[k])}`).join('&');
    const expected = crypto.createHmac('sha1', `${ALIYUN.secret}&`).update(`POST&${rfc3986('/')}&${rfc3986(canonical)}`).digest('base64');
    if (params.Signature !== expected) return fail(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    if (Math.abs(Date.now() - Date.parse(params.Timestamp)) > 15 * 60_000) return fail(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (nonces.has(params.SignatureNonce)) return fail(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.add(params.SignatureNonce);
    if (params.Action !== 'SendSms' || params.Version !== '2017-05-25') return fail(400, 'InvalidAction', `${params.Action} ${params.Version}`);
    if (throttle > 0) {
      throttle--;
      return { status: 200, body: { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发分钟级流控Permits:1', RequestId: crypto.randomUUID() } };
    }
    if (params.PhoneNumbers === BAD_PHONE) return { status: 200, body: { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号', RequestId: crypto.randomUUID() } };
    received.push({ provider: 'aliyun', phone: params.PhoneNumbers, signName: params.SignName, templateCode: params.TemplateCode, params: JSON.parse(params.TemplateParam), reference: params.OutId });
    return { status: 200, body: { Code: 'OK', Message: 'OK', BizId: `${received.length}^0`, RequestId: crypto.randomUUID() } };
  };

  const tencent = (req: http.IncomingMessage, raw: string): { status: number; body: object } => {
    const fail = (Code: string, Message: string) => {
      rejected.push({ provider: 'tencent', code: Code });
      return { status: 200, body: { Response: { Error: { Code, Message }, RequestId: crypto.randomUUID() } } };
    };
    const auth = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
    if (!auth) return fail('AuthFailure.SignatureFailure', 'The Authorization header is malformed.');
    const [, id, date, service, signedHeaders, signature] = auth;
    if (id !== TENCENT.id) return fail('AuthFailure.SecretIdNotFound', 'The SecretId is not found.');
    const timestamp = Number(req.headers['x-tc-timestamp']);
    if (!(Math.abs(Date.now() / 1000 - timestamp) <= 300)) return fail('AuthFailure.SignatureExpire', 'Signature expired.');
    if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date || service !== 'sms') return fail('AuthFailure.InvalidAuthorization', 'Credential scope mismatch.');
    const names = signedHeaders.split(';');
    if (!names.includes('content-type') || !names.includes('host')) return fail('AuthFailure.InvalidAuthorization', 'content-type and host must be signed.');
    const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().toLowerCase()}\n`).join('');
    const hash = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
    const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${hash(raw)}`;
    const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/${service}/tc3_request\n${hash(canonicalRequest)}`;
    let key: Buffer = crypto.createHmac('sha256', `TC3${TENCENT.secret}`).update(date).digest();
    key = crypto.createHmac('sha256', key).update(service).digest();
    key = crypto.createHmac('sha256', key).update('tc3_request').digest();
    if (crypto.createHmac('sha256', key).update(stringToSign).digest('hex') !== signature) return fail('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
    if (req.headers['x-tc-action'] !== 'SendSms' || req.headers['x-tc-version'] !== '2021-01-11') return fail('InvalidAction', 'unknown action');
    if (throttle > 0) {
      throttle--;
      return fail('RequestLimitExceeded', 'Your current request count exceeds the limit.');
    }
    const body = JSON.parse(raw);
    const phone = String(body.PhoneNumberSet[0]);
    if (phone === `+86${BAD_PHONE}`) {
      return { status: 200, body: { Response: { SendStatusSet: [{ SerialNo: '', PhoneNumber: phone, Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'incorrect number' }], RequestId: crypto.randomUUID() } } };
    }
    received.push({ provider: 'tencent', phone, signName: body.SignName, templateCode: body.TemplateId, params: body.TemplateParamSet, reference: body.SessionContext });
    return { status: 200, body: { Response: { SendStatusSet: [{ SerialNo: `tc-${received.length}`, PhoneNumber: phone, Fee: 1, Code: 'Ok', Message: 'send success' }], RequestId: crypto.randomUUID() } } };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const answer = req.url?.startsWith('/tencent') ? tencent(req, raw) : aliyun(raw);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    rejected,
    throttleNext: (n) => {
      throttle = n;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
