import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientOptions,
  eventBridgeEntryPutter,
  eventBridgePublisher,
  secretsManagerReader,
  sqsDeadLetterSink,
  sqsQueueAttributeReader,
} from '../../lambdas/commons/aws.js';
import { AwsResponseError, AwsServiceError } from '../../lambdas/commons/aws-json.js';
import { startTestIngress, type TestIngress } from '../helpers/ingress.js';
import { type LocalSqs, startLocalSqs } from '../local/sqs/helpers.js';
import { awsError, awsOk, type FakeAws, startFakeAws } from './fake-aws.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const options = (endpoint: string): ClientOptions => ({
  endpoint,
  region: 'eu-west-1',
  credentials,
  env: {},
});

let sqs: LocalSqs;
let fake: FakeAws;
let ingress: TestIngress;

beforeAll(async () => {
  sqs = await startLocalSqs();
  fake = await startFakeAws();
  ingress = await startTestIngress('handoff-test', 'eu-west-1');
});
afterAll(async () => {
  await Promise.all([sqs.close(), fake.close(), ingress.close()]);
});
afterEach(() => {
  fake.requests.length = 0;
  fake.fallback = awsOk();
});

describe('sqsDeadLetterSink', () => {
  it('sends the body and string attributes to the local SQS server, digests checked', async () => {
    // Prepare
    await sqs.store.createQueue('dlq-sink', {});
    const queueUrl = sqs.server.queueUrl('dlq-sink');
    const body = JSON.stringify({ event: { detail: { name: 'Zoë ✓ 😀' } } });
    const attributes = { 'handoff-contract': 'crm-to-helpdesk', 'handoff-entity-id': 'ünï-42', zeta: 'last' };

    // Act
    await sqsDeadLetterSink(queueUrl, options(sqs.server.url)).send({ body, attributes });
    const received = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageAttributeNames: ['All'],
        MaxNumberOfMessages: 10,
      }),
    );

    // Assess
    expect(received.Messages).toHaveLength(1);
    expect(received.Messages?.[0]?.Body).toBe(body);
    expect(received.Messages?.[0]?.MessageAttributes).toEqual(
      Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    );
  });

  it('reports a queue that does not exist by its SQS error code', async () => {
    // Act
    const error = await sqsDeadLetterSink(sqs.server.queueUrl('missing'), options(sqs.server.url))
      .send({ body: 'x', attributes: {} })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'QueueDoesNotExist', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses an answer whose digest does not match what was sent', async () => {
    // Prepare
    fake.script(awsOk({ MessageId: 'm-1', MD5OfMessageBody: '0'.repeat(32) }));

    // Act
    const error = await sqsDeadLetterSink('https://sqs.eu-west-1.amazonaws.com/1/q', options(fake.endpoint))
      .send({ body: 'hello', attributes: {} })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect(error).toBeInstanceOf(AwsResponseError);
    expect((error as Error).message).toMatch(/digest that does not match the body/);
  });
});

describe('sqsQueueAttributeReader', () => {
  it('reads a queue depth from the local SQS server', async () => {
    // Prepare
    await sqs.store.createQueue('depth', {});
    const queueUrl = sqs.server.queueUrl('depth');
    const sink = sqsDeadLetterSink(queueUrl, options(sqs.server.url));
    for (let i = 0; i < 3; i++) await sink.send({ body: `m${i}`, attributes: {} });

    // Act
    const attributes = await sqsQueueAttributeReader(options(sqs.server.url)).attributes(queueUrl, [
      'ApproximateNumberOfMessages',
    ]);

    // Assess
    expect(attributes).toEqual({ ApproximateNumberOfMessages: '3' });
  });
});

describe('eventBridgePublisher', () => {
  it("puts events on the local layer's ingress, with detail and time as given", async () => {
    // Prepare
    const time = new Date('2026-11-30T12:00:00.000Z');

    // Act
    await eventBridgePublisher(options(ingress.endpoint)).putEvents([
      {
        busName: 'handoff-test',
        source: 'handoff.sync',
        detailType: 'Contract Recovered',
        detail: { contractId: 'c', note: 'ünï' },
        time,
      },
    ]);

    // Assess
    expect(ingress.events).toHaveLength(1);
    expect(ingress.events[0]).toMatchObject({
      source: 'handoff.sync',
      'detail-type': 'Contract Recovered',
      detail: { contractId: 'c', note: 'ünï' },
      time: '2026-11-30T12:00:00Z',
    });
  });

  it('throws naming the failed entries’ codes', async () => {
    // Prepare
    fake.script(awsOk({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] }));

    // Act
    const error = await eventBridgePublisher(options(fake.endpoint))
      .putEvents([{ busName: 'b', source: 's', detailType: 'd', detail: {} }])
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect((error as Error).message).toBe('PutEvents failed for 1 entry (ThrottlingException)');
    expect(JSON.parse(fake.requests[0]?.body ?? '{}')).toEqual({
      Entries: [{ EventBusName: 'b', Source: 's', DetailType: 'd', Detail: '{}', Resources: [] }],
    });
  });
});

describe('eventBridgeEntryPutter', () => {
  it("returns the entry's error code, nothing on success, and throws request errors by name", async () => {
    // Prepare
    fake.script(
      awsOk({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }),
      awsOk({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException' }] }),
      awsError(400, 'ValidationException'),
    );
    const putter = eventBridgeEntryPutter(options(fake.endpoint));
    const entry = {
      busArn: 'arn:aws:events:eu-west-1:1:event-bus/x',
      source: 's',
      detailType: 'd',
      detail: '{}',
    };
    const signal = new AbortController().signal;

    // Act
    const ok = await putter.putEntry(entry, signal);
    const refused = await putter.putEntry(entry, signal);
    const error = await putter.putEntry(entry, signal).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(ok).toEqual({});
    expect(refused).toEqual({ errorCode: 'AccessDeniedException' });
    expect(error).toMatchObject({ name: 'ValidationException' });
  });

  it('never sends an entry again because an answer was slow (the bus may have taken it)', async () => {
    // Prepare: the first answer comes after the client's default per-attempt timeout (3 s).
    fake.script({ ...awsOk({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }), delayMs: 3_300 });
    const putter = eventBridgeEntryPutter(options(fake.endpoint));
    const before = fake.requests.length;

    // Act
    const answer = await putter.putEntry(
      { busArn: 'arn:aws:events:eu-west-1:1:event-bus/x', source: 's', detailType: 'd', detail: '{}' },
      AbortSignal.timeout(10_000),
    );

    // Assess
    expect(answer).toEqual({});
    expect(fake.requests.length - before).toBe(1);
  });
});

describe('secretsManagerReader', () => {
  it('returns SecretString, names a missing secret by its code, and refuses a binary secret', async () => {
    // Prepare
    fake.script(
      awsOk({ Name: 'handoff/x', SecretString: '{"token":"t"}' }),
      awsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
      awsOk({ Name: 'handoff/bin', SecretBinary: 'AAEC' }),
    );
    const reader = secretsManagerReader(options(fake.endpoint));

    // Act
    const text = await reader.read('handoff/x');
    const missing = await reader.read('handoff/missing').then(
      () => undefined,
      (e: unknown) => e,
    );
    const binary = await reader.read('handoff/bin').then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(text).toBe('{"token":"t"}');
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(binary).toMatchObject({
      name: 'InvalidRequestException',
      message: 'secret handoff/bin has no text value',
    });
    expect(fake.requests.map((r) => JSON.parse(r.body))).toEqual([
      { SecretId: 'handoff/x' },
      { SecretId: 'handoff/missing' },
      { SecretId: 'handoff/bin' },
    ]);
  });
});
