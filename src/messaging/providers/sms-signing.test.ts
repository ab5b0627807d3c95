// The SMS providers' request signing, checked against the examples in the providers' own documentation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { aliyunEncode, aliyunSignature } from './aliyun-sms.ts';
import { tc3Sign } from './tencent-sms.ts';

describe('SMS request signing', () => {
  it('signs the Aliyun SendSms example from the RPC signature documentation', () => {
    const params = {
      AccessKeyId: 'testId', Action: 'SendSms', Format: 'XML', OutId: '123', PhoneNumbers: '15300000001', RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用', SignatureMethod: 'HMAC-SHA1', SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466', SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007', TemplateParam: '{"customer":"test"}', Timestamp: '2017-07-12T02:42:19Z', Version: '2017-05-25',
    };
    assert.equal(aliyunSignature('GET', params, 'testSecret'), 'zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    assert.equal(aliyunEncode('zJDF+Lrzhj/ThnlvIToysFRq6t4='), 'zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D');
    // RFC 3986: a space is %20 (not +), ~ stays, * and ! are encoded.
    assert.equal(aliyunEncode(' ~*!'), '%20~%2A%21');
  });

  it('signs the Tencent Cloud TC3-HMAC-SHA256 example from the signature v3 documentation', () => {
    const payload = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
    assert.equal(crypto.createHash('sha256').update(payload).digest('hex'), '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064');
    const s = tc3Sign({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE', secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE', service: 'cvm',
      host: 'cvm.tencentcloudapi.com', timestamp: 1551113065, payload,
    });
    assert.equal(crypto.createHash('sha256').update(s.canonicalRequest).digest('hex'), '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    assert.equal(s.stringToSign, 'TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    assert.equal(s.signature, '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    assert.equal(s.authorization, 'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
  });
});
