/**
 * The synchronous SigV4 signer: its signatures equal those of the AWS SDK's signer
 * (@smithy/signature-v4) and of aws4fetch's AwsV4Signer (the signer it replaces) over a matrix of
 * services, regions, endpoints (with paths and queries), session tokens, bodies and times around
 * midnight; it reproduces the AWS SigV4 test suite's published POST signatures; it derives a
 * signing key once per secret, day, region and service, never reuses yesterday's, and keeps only a
 * few.
 */
import * as crypto from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsV4Signer } from 'aws4fetch';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  canonicalPath,
  formatAmzDate,
  type SigV4Credentials,
  SigV4Signer,
} from '../../lambdas/commons/sigv4.js';
import { NodeSha256 } from '../helpers/node-sha256.js';

// The real createHmac, counted: a key derivation starts with an HMAC keyed by "AWS4" + secret.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, createHmac: vi.fn(actual.createHmac) };
});
const createHmacSpy = vi.mocked(crypto.createHmac);

/** Key derivations since the last reset (HMACs keyed by the "AWS4"-prefixed secret). */
function derivations(): number {
  return createHmacSpy.mock.calls.filter(([, key]) => typeof key === 'string' && key.startsWith('AWS4'))
    .length;
}

beforeEach(() => {
  createHmacSpy.mockClear();
});

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const WITH_TOKEN = {
  ...KEYS,
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCWV1LXdlc3QtMSJIMEYCIQ+token=',
};

/** What one case signs. */
interface Case {
  service: string;
  region: string;
  url: string;
  credentials: SigV4Credentials;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** The SDK's signature for the same request, headers and time. */
async function smithyAuthorization(c: Case): Promise<string> {
  const url = new URL(c.url);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signer = new SignatureV4({
    credentials: c.credentials,
    region: c.region,
    service: c.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host, ...c.headers },
      body: c.body,
    },
    { signingDate: new Date(c.at) },
  );
  return String(signed.headers.authorization);
}

/** aws4fetch's signature; `allHeaders` makes it sign content-type, which it leaves out by default. */
async function aws4fetchAuthorization(c: Case): Promise<string> {
  const signed = await new AwsV4Signer({
    method: 'POST',
    url: c.url,
    headers: c.headers,
    body: c.body,
    accessKeyId: c.credentials.accessKeyId,
    secretAccessKey: c.credentials.secretAccessKey,
    ...(c.credentials.sessionToken ? { sessionToken: c.credentials.sessionToken } : {}),
    service: c.service,
    region: c.region,
    datetime: formatAmzDate(c.at),
    allHeaders: 'content-type' in c.headers,
  }).sign();
  return signed.headers.get('authorization') ?? '';
}

function ours(signer: SigV4Signer, c: Case): Record<string, string> {
  return signer.sign(
    { method: 'POST', url: c.url, headers: c.headers, body: c.body },
    { credentials: c.credentials, region: c.region, service: c.service, signingDate: c.at },
  );
}

describe('signatures equal the AWS SDK’s and aws4fetch’s', () => {
  const scopes = [
    { service: 'dynamodb', region: 'eu-west-1', target: 'DynamoDB_20120810.GetItem', json: '1.0' },
    { service: 'sqs', region: 'us-east-1', target: 'AmazonSQS.SendMessage', json: '1.0' },
    { service: 'events', region: 'ap-southeast-2', target: 'AWSEvents.PutEvents', json: '1.1' },
    { service: 'secretsmanager', region: 'cn-north-1', target: 'secretsmanager.GetSecretValue', json: '1.1' },
  ];
  const endpoints = (service: string, region: string) => [
    `https://${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`,
    'http://127.0.0.1:8000/',
    // AWS_ENDPOINT_URL may carry a path: spaces, unicode, an encoded slash, doubled and dot segments.
    `https://gateway.example.com:8443/aws/${service} api/ünï/a%2Fb//./x/../y/`,
    'https://gateway.example.com/aws/?b=2&a=x y&a=1&c=%E2%9C%93&d',
  ];
  const bodies = ['{}', '{"Key":{"pk":{"S":"ünïcode ✓ \\"quoted\\" 😀 \\u0000"}}}', ''];
  const times = [
    Date.parse('2026-11-30T23:59:59.999Z'),
    Date.parse('2026-12-01T00:00:00.000Z'),
    Date.parse('2028-02-29T12:00:00.500Z'),
  ];
  const cases: Array<Case & { name: string }> = [];
  for (const { service, region, target, json } of scopes)
    for (const url of endpoints(service, region))
      for (const credentials of [KEYS, WITH_TOKEN])
        for (const body of bodies)
          for (const at of times)
            for (const signContentType of [false, true])
              cases.push({
                name: `${service} ${region} ${url} token=${credentials === WITH_TOKEN} body=${body.length} ${new Date(at).toISOString()} content-type=${signContentType}`,
                service,
                region,
                url,
                credentials,
                headers: {
                  'x-amz-target': target,
                  ...(signContentType ? { 'content-type': `application/x-amz-json-${json}` } : {}),
                },
                body,
                at,
              });

  it(`signs ${cases.length} requests exactly as both, with one signer and its key cache throughout`, async () => {
    // Prepare: one signer for all, so cached keys (and their eviction) are exercised across cases.
    const signer = new SigV4Signer({ maxCachedKeys: 3 });
    const mismatches: string[] = [];

    for (const c of cases) {
      // Act
      const headers = ours(signer, c);

      // Assess
      const sdk = await smithyAuthorization(c);
      const aws4 = await aws4fetchAuthorization(c);
      if (headers.authorization !== sdk || headers.authorization !== aws4)
        mismatches.push(
          `${c.name}\n  ours:      ${headers.authorization}\n  sdk:       ${sdk}\n  aws4fetch: ${aws4}`,
        );
    }
    expect(mismatches).toEqual([]);
    expect(cases.length).toBe(576);
  });

  it('sends what it signed: lower-case names, x-amz-date, the token, authorization; no host, no secret', () => {
    // Prepare
    const signer = new SigV4Signer();

    // Act
    const headers = signer.sign(
      {
        method: 'POST',
        url: 'https://dynamodb.eu-west-1.amazonaws.com/',
        headers: { ' X-Amz-Target ': 'DynamoDB_20120810.GetItem', Host: 'evil.example.com' },
        body: '{}',
      },
      {
        credentials: WITH_TOKEN,
        region: 'eu-west-1',
        service: 'dynamodb',
        signingDate: new Date('2026-11-30T12:00:00Z'),
      },
    );

    // Assess
    expect(Object.keys(headers)).toEqual([
      'x-amz-target',
      'x-amz-date',
      'x-amz-security-token',
      'authorization',
    ]);
    expect(headers).toMatchObject({
      'x-amz-target': 'DynamoDB_20120810.GetItem',
      'x-amz-date': '20261130T120000Z',
      'x-amz-security-token': WITH_TOKEN.sessionToken,
    });
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261130\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(JSON.stringify(headers)).not.toContain(KEYS.secretAccessKey);
  });

  it('canonicalizes header names and values: case, surrounding spaces and runs of spaces do not change the signature', () => {
    // Prepare
    const signer = new SigV4Signer();
    const sign = (headers: Record<string, string>) =>
      signer.sign(
        { method: 'post', url: 'https://events.eu-west-1.amazonaws.com/', headers, body: '{}' },
        { credentials: KEYS, region: 'eu-west-1', service: 'events', signingDate: 0 },
      ).authorization;

    // Act
    const plain = sign({ 'x-amz-target': 'AWSEvents.PutEvents', 'x-custom': 'a b c' });
    const messy = sign({ 'X-Amz-Target': '  AWSEvents.PutEvents ', ' X-CUSTOM': 'a   b\t\tc ' });
    const different = sign({ 'x-amz-target': 'AWSEvents.PutEvents', 'x-custom': 'a bc' });

    // Assess
    expect(messy).toBe(plain);
    expect(different).not.toBe(plain);
  });
});

describe('the AWS SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30T12:36:00Z, us-east-1, service)', () => {
  const SUITE_DATE = Date.parse('2015-08-30T12:36:00Z');
  const STS_TOKEN =
    'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
  const vectors: Array<{
    name: string;
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string;
    credentials: SigV4Credentials;
    signedHeaders: string;
    signature: string;
  }> = [
    {
      name: 'post-vanilla',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: '',
      credentials: KEYS,
      signedHeaders: 'host;x-amz-date',
      signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    },
    {
      name: 'post-vanilla-query',
      method: 'POST',
      url: 'https://example.amazonaws.com/?Param1=value1',
      headers: {},
      body: '',
      credentials: KEYS,
      signedHeaders: 'host;x-amz-date',
      signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
    },
    {
      name: 'post-x-www-form-urlencoded',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
      credentials: KEYS,
      signedHeaders: 'content-type;host;x-amz-date',
      signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    },
    {
      name: 'post-sts-token/post-sts-header-before',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: '',
      credentials: { ...KEYS, sessionToken: STS_TOKEN },
      signedHeaders: 'host;x-amz-date;x-amz-security-token',
      signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
    },
    {
      name: 'get-header-value-trim',
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: { 'My-Header1': ' value1', 'My-Header2': ' "a   b   c"' },
      body: '',
      credentials: KEYS,
      signedHeaders: 'host;my-header1;my-header2;x-amz-date',
      signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
    },
  ];

  for (const vector of vectors)
    it(`${vector.name}: the published signature`, () => {
      // Act
      const headers = new SigV4Signer().sign(
        { method: vector.method, url: vector.url, headers: vector.headers, body: vector.body },
        { credentials: vector.credentials, region: 'us-east-1', service: 'service', signingDate: SUITE_DATE },
      );

      // Assess
      expect(headers.authorization).toBe(
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
      );
    });
});

describe('signing-key cache', () => {
  const request = { method: 'POST', url: 'https://sqs.eu-west-1.amazonaws.com/', headers: {}, body: '{}' };
  const at = (iso: string) => Date.parse(iso);
  const scope = { credentials: KEYS, region: 'eu-west-1', service: 'sqs' };

  it('derives a key once per day, region, service and secret', () => {
    // Prepare
    const signer = new SigV4Signer();

    // Act
    for (let i = 0; i < 5; i++)
      signer.sign(request, { ...scope, signingDate: at('2026-11-30T10:00:00Z') + i * 1000 });
    const sameScope = derivations();
    signer.sign(request, { ...scope, region: 'eu-central-1', signingDate: at('2026-11-30T10:00:00Z') });
    signer.sign(request, { ...scope, service: 'dynamodb', signingDate: at('2026-11-30T10:00:00Z') });
    signer.sign(request, {
      ...scope,
      credentials: { ...KEYS, secretAccessKey: 'another-secret' },
      signingDate: at('2026-11-30T10:00:00Z'),
    });

    // Assess
    expect(sameScope).toBe(1);
    expect(derivations()).toBe(4);
  });

  it('never reuses yesterday’s key after midnight (UTC), and signs each side as the SDK does', async () => {
    // Prepare
    const signer = new SigV4Signer();
    const before = at('2026-11-30T23:59:59.999Z');
    const after = at('2026-12-01T00:00:00.000Z');
    const c = (time: number): Case => ({
      ...scope,
      url: request.url,
      headers: { 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: '{}',
      at: time,
    });

    // Act
    const late = ours(signer, c(before));
    const early = ours(signer, c(after));

    // Assess
    expect(derivations()).toBe(2);
    expect(late.authorization).toContain('Credential=AKIDEXAMPLE/20261130/');
    expect(early.authorization).toContain('Credential=AKIDEXAMPLE/20261201/');
    expect(late.authorization).toBe(await smithyAuthorization(c(before)));
    expect(early.authorization).toBe(await smithyAuthorization(c(after)));
  });

  it('keeps only the last few keys: an evicted one is derived again, and still signs correctly', async () => {
    // Prepare
    const signer = new SigV4Signer({ maxCachedKeys: 2 });
    const days = ['2026-11-28T12:00:00Z', '2026-11-29T12:00:00Z', '2026-11-30T12:00:00Z'].map(at);
    const c = (time: number): Case => ({ ...scope, url: request.url, headers: {}, body: '{}', at: time });

    // Act
    for (const day of days) ours(signer, c(day));
    const afterThree = derivations();
    ours(signer, c(days[2] ?? 0)); // still cached
    ours(signer, c(days[1] ?? 0)); // still cached
    const cachedHits = derivations() - afterThree;
    const again = ours(signer, c(days[0] ?? 0)); // evicted: derived again

    // Assess
    expect(afterThree).toBe(3);
    expect(cachedHits).toBe(0);
    expect(derivations()).toBe(4);
    expect(again.authorization).toBe(await smithyAuthorization(c(days[0] ?? 0)));
  });
});

describe('canonical path and date', () => {
  it('normalizes the path and encodes it again, as AWS expects from every service but S3', () => {
    // Act / Assess
    expect(canonicalPath('/')).toBe('/');
    expect(canonicalPath('')).toBe('/');
    expect(canonicalPath('/a//b/./c/../d/')).toBe('/a/b/d/');
    expect(canonicalPath(new URL('https://h/my api/ü').pathname)).toBe('/my%2520api/%25C3%25BC');
    expect(canonicalPath('/a%2Fb')).toBe('/a%252Fb');
    expect(canonicalPath("/it's(*)!~")).toBe('/it%27s%28%2A%29%21~');
  });

  it('formats the signing time to the second, and refuses one that is not a time', () => {
    // Act / Assess
    expect(formatAmzDate(Date.parse('2026-01-02T03:04:05.999Z'))).toBe('20260102T030405Z');
    expect(formatAmzDate(new Date('1999-12-31T23:59:59Z'))).toBe('19991231T235959Z');
    expect(() => formatAmzDate(Number.NaN)).toThrow(TypeError);
    expect(() => formatAmzDate(new Date('not a date'))).toThrow(/not a valid time/);
  });

  it('refuses a header given twice in different cases, or a name that is not an HTTP token', () => {
    // Prepare
    const signer = new SigV4Signer();
    const sign = (headers: Record<string, string>) => () =>
      signer.sign(
        { method: 'POST', url: 'https://h/', headers, body: '' },
        { credentials: KEYS, region: 'r', service: 's', signingDate: 0 },
      );

    // Act / Assess
    expect(sign({ 'X-Amz-Target': 'a', 'x-amz-target': 'b' })).toThrow(/"x-amz-target" is given twice/);
    expect(sign({ 'bad name': 'a' })).toThrow(/not a valid header name/);
    expect(sign({ 'x-ok': 'a' })).not.toThrow();
  });
});
