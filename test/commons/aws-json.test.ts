import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_SERVICES,
  type AwsClientOptions,
  AwsConfigError,
  AwsJsonClient,
  type AwsJsonService,
  AwsNetworkError,
  AwsResponseError,
  AwsServiceError,
  AwsTimeoutError,
  resolveEndpoint,
} from '../../lambdas/commons/aws-json.js';
import { NodeSha256 } from '../helpers/node-sha256.js';
import { awsError, awsOk, type FakeAws, startFakeAws } from './fake-aws.js';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-EXAMPLE',
};

let fake: FakeAws;
/** Waits between attempts, recorded instead of slept (the computed backoff is what is checked). */
let delays: number[];

beforeAll(async () => {
  fake = await startFakeAws();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.fallback = awsOk();
});

function client(
  options: AwsClientOptions = {},
  service: AwsJsonService = AWS_SERVICES.dynamodb,
): AwsJsonClient {
  delays = [];
  return new AwsJsonClient(service, {
    endpoint: fake.endpoint,
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    env: {},
    sleep: async (ms) => void delays.push(ms),
    ...options,
  });
}

/** Runs a call and returns the error it throws (or fails the test when it succeeds). */
async function failure(call: Promise<unknown>): Promise<AwsServiceError & Error> {
  const error = await call.then(
    () => expect.unreachable('the call succeeded'),
    (e: unknown) => e,
  );
  return error as AwsServiceError & Error;
}

describe('requests', () => {
  it('posts the input as JSON to / with the JSON protocol headers and a SigV4 session', async () => {
    // Prepare
    fake.script(awsOk({ Item: { pk: { S: 'a' } } }));

    // Act
    const { output, $metadata } = await client().call('GetItem', { TableName: 't', Key: { pk: { S: 'a' } } });

    // Assess
    expect(output).toEqual({ Item: { pk: { S: 'a' } } });
    expect($metadata).toMatchObject({ httpStatusCode: 200, requestId: 'req-ok', attempts: 1 });
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/' });
    expect(JSON.parse(request?.body ?? '')).toEqual({ TableName: 't', Key: { pk: { S: 'a' } } });
    expect(request?.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
      'x-amz-security-token': CREDENTIALS.sessionToken,
      'x-amz-date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
    });
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
  });

  it('speaks each service its way: JSON 1.1 and its target prefix for EventBridge and Secrets Manager', async () => {
    // Act
    await client({}, AWS_SERVICES.eventBridge).call('PutEvents', { Entries: [] });
    await client({}, AWS_SERVICES.secretsManager).call('GetSecretValue', { SecretId: 's' });
    await client({}, AWS_SERVICES.sqs).call('SendMessage', { QueueUrl: 'q', MessageBody: 'b' });

    // Assess
    expect(
      fake.requests.map((r) => [
        r.headers['content-type'],
        r.headers['x-amz-target'],
        /\/(\w+)\/aws4_request/.exec(String(r.headers.authorization))?.[1],
      ]),
    ).toEqual([
      ['application/x-amz-json-1.1', 'AWSEvents.PutEvents', 'events'],
      ['application/x-amz-json-1.1', 'secretsmanager.GetSecretValue', 'secretsmanager'],
      ['application/x-amz-json-1.0', 'AmazonSQS.SendMessage', 'sqs'],
    ]);
  });

  it('signs requests as the AWS SDK does: the signature verifies with @smithy/signature-v4', async () => {
    // Prepare
    const input = { TableName: 'tableé', Key: { pk: { S: 'ünïcode ✓ "quoted"' } } };

    // Act
    await client().call('GetItem', input);

    // Assess: recompute the signature over the same request, headers and time with the SDK's signer.
    const request = fake.requests[0] ?? expect.unreachable('no request');
    const authorization = String(request.headers.authorization);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const amzDate = String(request.headers['x-amz-date']);
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name])]));
    const signer = new SignatureV4({
      credentials: CREDENTIALS,
      region: 'eu-west-1',
      service: 'dynamodb',
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const expected = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/',
        headers,
        body: request.body,
        query: {},
      },
      { signingDate },
    );
    expect(authorization).toBe(expected.headers.authorization);
  });

  it('reads credentials and region from the Lambda environment, and names what is missing', async () => {
    // Prepare
    const fromEnv = new AwsJsonClient(AWS_SERVICES.dynamodb, {
      endpoint: fake.endpoint,
      env: {
        AWS_REGION: 'ap-southeast-2',
        AWS_ACCESS_KEY_ID: 'AKIDENV',
        AWS_SECRET_ACCESS_KEY: 'env-secret',
        AWS_SESSION_TOKEN: 'env-token',
      },
    });
    const noCredentials = new AwsJsonClient(AWS_SERVICES.dynamodb, {
      endpoint: fake.endpoint,
      env: { AWS_REGION: 'eu-west-1' },
    });
    const noRegion = new AwsJsonClient(AWS_SERVICES.dynamodb, { endpoint: fake.endpoint, env: {} });

    // Act
    await fromEnv.call('GetItem', {});
    const missingCredentials = await failure(noCredentials.call('GetItem', {}));
    const missingRegion = await failure(noRegion.call('GetItem', {}));

    // Assess
    expect(fake.requests[0]?.headers.authorization).toContain('Credential=AKIDENV/');
    expect(fake.requests[0]?.headers.authorization).toContain('/ap-southeast-2/dynamodb/aws4_request');
    expect(fake.requests[0]?.headers['x-amz-security-token']).toBe('env-token');
    expect(missingCredentials).toBeInstanceOf(AwsConfigError);
    expect(missingCredentials.message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(missingRegion).toBeInstanceOf(AwsConfigError);
    expect(missingRegion.message).toMatch(/AWS_REGION/);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('endpoints', () => {
  const dynamodb = AWS_SERVICES.dynamodb;

  it('defaults to the regional endpoint, .cn in China', () => {
    // Act / Assess
    expect(resolveEndpoint(dynamodb, 'eu-west-1', { env: {} })).toBe(
      'https://dynamodb.eu-west-1.amazonaws.com/',
    );
    expect(resolveEndpoint(AWS_SERVICES.eventBridge, 'cn-north-1', { env: {} })).toBe(
      'https://events.cn-north-1.amazonaws.com.cn/',
    );
  });

  it('takes AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL, and an explicit endpoint over both', () => {
    // Prepare
    const env = {
      AWS_ENDPOINT_URL: 'http://global:1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://dynamo:2/base',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://secrets:3',
    };

    // Act / Assess
    expect(resolveEndpoint(dynamodb, 'eu-west-1', { env })).toBe('http://dynamo:2/base/');
    expect(resolveEndpoint(AWS_SERVICES.secretsManager, 'eu-west-1', { env })).toBe('http://secrets:3/');
    expect(resolveEndpoint(AWS_SERVICES.sqs, 'eu-west-1', { env })).toBe('http://global:1/');
    expect(resolveEndpoint(dynamodb, 'eu-west-1', { env, endpoint: 'http://explicit:4' })).toBe(
      'http://explicit:4/',
    );
    expect(
      resolveEndpoint(dynamodb, 'eu-west-1', {
        env: { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      }),
    ).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
  });

  it('refuses an endpoint that is not an http(s) URL, naming it', () => {
    // Act / Assess
    expect(() => resolveEndpoint(dynamodb, 'eu-west-1', { env: {}, endpoint: 'not a url' })).toThrow(
      /the dynamodb endpoint "not a url" is not a URL/,
    );
    expect(() => resolveEndpoint(dynamodb, 'eu-west-1', { env: {}, endpoint: 'ftp://x' })).toThrow(
      AwsConfigError,
    );
  });
});

describe('errors and retries', () => {
  it.each([
    ['500', awsError(500, 'InternalServerError')],
    ['503', awsError(503, 'ServiceUnavailable')],
    ['429', { status: 429, body: '' }],
    ['400 ThrottlingException', awsError(400, 'ThrottlingException')],
    ['400 ProvisionedThroughputExceededException', awsError(400, 'ProvisionedThroughputExceededException')],
    ['400 RequestLimitExceeded', awsError(400, 'RequestLimitExceeded')],
    [
      '400 throttling named only by x-amzn-ErrorType',
      { status: 400, headers: { 'x-amzn-errortype': 'ThrottlingException:http://internal/' }, body: '{}' },
    ],
    ['a connection reset', { reset: true as const }],
  ])('retries %s, then succeeds', async (_name, fault) => {
    // Prepare
    fake.script(fault, fault);

    // Act
    const { $metadata } = await client().call('PutItem', { TableName: 't' });

    // Assess
    expect(fake.requests).toHaveLength(3);
    expect($metadata).toMatchObject({ httpStatusCode: 200, attempts: 3 });
    // The same input every time, signed again.
    expect(new Set(fake.requests.map((r) => r.body)).size).toBe(1);
  });

  it('does not retry a client error: ValidationException fails at once, named by its code', async () => {
    // Prepare
    fake.script(awsError(400, 'ValidationException', 'One or more parameter values were invalid'));

    // Act
    const error = await failure(client().call('PutItem', { TableName: 't' }));

    // Assess
    expect(fake.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      name: 'ValidationException',
      code: 'ValidationException',
      message: 'One or more parameter values were invalid',
      $fault: 'client',
      $retryable: undefined,
      $metadata: { httpStatusCode: 400, requestId: 'req-ValidationException', attempts: 1 },
      service: 'dynamodb',
      operation: 'PutItem',
    });
    expect(error.requestId).toBe('req-ValidationException');
  });

  it('gives up after the attempts allowed, with the last error, marked retryable and throttling', async () => {
    // Prepare
    fake.fallback = awsError(400, 'ProvisionedThroughputExceededException');

    // Act
    const error = await failure(client({ maxAttempts: 3 }).call('UpdateItem', {}));

    // Assess
    expect(fake.requests).toHaveLength(3);
    expect(error).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      $retryable: { throttling: true },
      $metadata: { attempts: 3, httpStatusCode: 400 },
    });
  });

  it('backs off with full jitter, harder for throttling, never longer than the cap', async () => {
    // Prepare
    fake.fallback = awsError(400, 'ThrottlingException');
    const throttled = client({ maxAttempts: 6 });

    // Act
    const error = await failure(throttled.call('Query', {}));
    const throttlingDelays = [...delays];
    fake.fallback = awsError(503, 'ServiceUnavailable');
    const unavailable = client({ maxAttempts: 6 });
    await failure(unavailable.call('Query', {}));

    // Assess: retry n waits a random time below min(cap, base * 2^(n-1)).
    expect(error.$metadata.totalRetryDelay).toBe(throttlingDelays.reduce((a, b) => a + b, 0));
    expect(throttlingDelays).toHaveLength(5);
    throttlingDelays.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(Math.min(5000, 500 * 2 ** n));
    });
    expect(delays).toHaveLength(5);
    delays.forEach((ms, n) => {
      expect(ms).toBeLessThan(Math.min(5000, 50 * 2 ** n));
    });
  });

  it('stops retrying when the retry quota is spent, and earns it back with successes', async () => {
    // Prepare: 500 tokens, 14 a retry: 35 retries, then none until calls succeed again.
    const shared = client({ maxAttempts: 2 });
    fake.fallback = awsError(500, 'InternalServerError');

    // Act
    for (let i = 0; i < 40; i++) await failure(shared.call('GetItem', {}));
    const duringOutage = fake.requests.length;
    fake.fallback = awsOk();
    for (let i = 0; i < 14; i++) await shared.call('GetItem', {});
    fake.requests.length = 0;
    fake.script(awsError(500, 'InternalServerError'));
    await shared.call('GetItem', {});

    // Assess
    expect(duringOutage).toBe(40 + 35);
    expect(fake.requests).toHaveLength(2);
  });

  it('aborts an attempt that hangs after its timeout, and retries it', async () => {
    // Prepare
    fake.script({ hang: true });

    // Act
    const { $metadata } = await client({ timeoutMs: 200 }).call('GetItem', {});

    // Assess
    expect(fake.requests).toHaveLength(2);
    expect($metadata.attempts).toBe(2);
  });

  it('fails with TimeoutError when every attempt hangs', async () => {
    // Prepare
    fake.fallback = { hang: true };

    // Act
    const error = await failure(client({ timeoutMs: 100, maxAttempts: 2 }).call('GetItem', {}));

    // Assess
    expect(error).toBeInstanceOf(AwsTimeoutError);
    expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
    expect(error.message).toBe('dynamodb GetItem got no answer within 100 ms');
    expect(fake.requests).toHaveLength(2);
  });

  it("stops at once when the caller's signal aborts, without retrying", async () => {
    // Prepare
    fake.fallback = { hang: true };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    // Act
    const error = await failure(
      client({ timeoutMs: 10_000 }).call('GetItem', {}, { signal: controller.signal }),
    );

    // Assess
    expect(error).toMatchObject({ name: 'AbortError', $fault: 'client' });
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a refused connection and then reports it as a network error', async () => {
    // Prepare: a port nothing listens on.
    const closed = await startFakeAws();
    await closed.close();

    // Act
    const error = await failure(client({ endpoint: closed.endpoint, maxAttempts: 3 }).call('GetItem', {}));

    // Assess
    expect(error).toBeInstanceOf(AwsNetworkError);
    expect(error.message).toMatch(/^dynamodb GetItem failed to connect \(ECONNREFUSED\)$/);
    expect(error.$metadata.attempts).toBe(3);
  });

  it.each([
    // 5xx are retried: four attempts, DynamoDB's default.
    ['an HTML page from a proxy', { status: 502, body: '<html>Bad Gateway</html>' }, 'UnknownError', 4],
    ['an empty 500', { status: 500, body: '' }, 'UnknownError', 4],
    ['JSON that is not an object', { status: 400, body: '[1,2]' }, 'UnknownError', 1],
    [
      'a code with namespace and URL',
      { status: 400, body: '{"__type":"a.b#BadCode:http://x"}' },
      'BadCode',
      1,
    ],
    [
      'a `code` field',
      { status: 400, body: '{"code":"AccessDeniedException","Message":"no"}' },
      'AccessDeniedException',
      1,
    ],
    ['a code that is not a name', { status: 400, body: '{"__type":"<script>"}' }, 'UnknownError', 1],
  ])('reads a malformed error body (%s) without crashing', async (_name, answer, name, attempts) => {
    // Prepare
    fake.fallback = answer;

    // Act
    const error = await failure(client().call('GetItem', {}));

    // Assess
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error.name).toBe(name);
    expect(error.$metadata).toMatchObject({ httpStatusCode: answer.status, attempts });
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('fails with AwsResponseError, not retried, when a success carries no JSON object', async () => {
    // Prepare
    fake.script({ status: 200, body: 'OK' });

    // Act
    const error = await failure(client().call('GetItem', {}));

    // Assess
    expect(error).toBeInstanceOf(AwsResponseError);
    expect(error.message).toBe('dynamodb GetItem answered HTTP 200 with a body that is not a JSON object');
    expect(fake.requests).toHaveLength(1);
  });

  it('corrects a skewed clock from the Date of a refused request, and signs again with it', async () => {
    // Prepare: the server is 10 minutes ahead of this machine.
    const serverTime = new Date(Date.now() + 10 * 60_000);
    fake.script(
      awsError(400, 'InvalidSignatureException', 'Signature expired', { date: serverTime.toUTCString() }),
    );
    const skewed = client();

    // Act
    await skewed.call('GetItem', {});
    await skewed.call('GetItem', {});

    // Assess: the retry and later calls carry the server's time (to the minute), not ours.
    const signedAt = fake.requests.map((r) => String(r.headers['x-amz-date']).slice(0, 13));
    const expected = serverTime
      .toISOString()
      .replace(/[:-]|\.\d{3}/g, '')
      .slice(0, 13);
    expect(fake.requests).toHaveLength(3);
    expect(signedAt[1]).toBe(expected);
    expect(signedAt[2]).toBe(expected);
  });

  it('unlearns the offset when the server and this machine agree again (a clock fixed meanwhile)', async () => {
    // Prepare: learn a 10-minute offset, then the server's clock is this machine's again.
    const ahead = new Date(Date.now() + 10 * 60_000);
    fake.script(
      awsError(400, 'InvalidSignatureException', 'Signature expired', { date: ahead.toUTCString() }),
      awsOk(),
      awsError(400, 'InvalidSignatureException', 'Signature expired', { date: new Date().toUTCString() }),
    );
    const learning = client();
    await learning.call('GetItem', {});

    // Act
    await learning.call('GetItem', {});
    await learning.call('GetItem', {});

    // Assess: the refused request is signed again with this machine's time, and so are later ones.
    const signedAt = fake.requests.slice(2).map((r) => String(r.headers['x-amz-date']).slice(0, 13));
    const now = new Date()
      .toISOString()
      .replace(/[:-]|\.\d{3}/g, '')
      .slice(0, 13);
    expect(fake.requests).toHaveLength(5);
    expect(signedAt).toEqual([expect.any(String), now, now]);
  });

  it('does not retry a signature error when the clock is right', async () => {
    // Prepare
    fake.script(awsError(400, 'InvalidSignatureException', 'bad', { date: new Date().toUTCString() }));

    // Act
    const error = await failure(client().call('GetItem', {}));

    // Assess
    expect(error.name).toBe('InvalidSignatureException');
    expect(fake.requests).toHaveLength(1);
  });

  it('never puts the secret key or session token in errors', async () => {
    // Prepare
    fake.fallback = awsError(400, 'UnrecognizedClientException', 'The security token included is invalid');
    const errors: unknown[] = [];

    // Act
    errors.push(await failure(client().call('GetItem', {})));
    fake.fallback = { hang: true };
    errors.push(await failure(client({ timeoutMs: 50, maxAttempts: 1 }).call('GetItem', {})));

    // Assess
    for (const error of errors) {
      const text = [
        String(error),
        (error as Error).stack,
        JSON.stringify(error),
        JSON.stringify(Object.entries(error as object)),
      ].join('\n');
      expect(text).not.toContain(CREDENTIALS.secretAccessKey);
      expect(text).not.toContain(CREDENTIALS.sessionToken);
    }
  });
});
