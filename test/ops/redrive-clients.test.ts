import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsResponseError } from '../../lambdas/commons/aws-json.js';
import { eventBridgeBus, sqsDeadLetterQueue } from '../../lambdas/redrive/clients.js';
import { redriveDeadLetters } from '../../lib/dlq/index.js';
import { awsOk, type FakeAws, startFakeAws } from '../commons/fake-aws.js';
import { startTestIngress, type TestIngress } from '../helpers/ingress.js';
import { type LocalSqs, startLocalSqs } from '../local/sqs/helpers.js';
import { customerUpdated, retriesExhausted } from './support/dead-letters.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const options = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials, env: {} });

let sqs: LocalSqs;
let fake: FakeAws;
let ingress: TestIngress;

beforeAll(async () => {
  sqs = await startLocalSqs();
  fake = await startFakeAws();
  ingress = await startTestIngress('handoff-dev', 'us-east-1');
});
afterAll(async () => {
  await Promise.all([sqs.close(), fake.close(), ingress.close()]);
});

describe('a redrive through the lean clients', () => {
  it('puts each dead letter’s event back on the bus with its time, then deletes the message', async () => {
    // Prepare
    await sqs.store.createQueue('redrive-lean', {});
    const queueUrl = sqs.server.queueUrl('redrive-lean');
    const events = [
      customerUpdated('7', 3, '2026-11-30T12:00:00Z'),
      customerUpdated('8', 1, '2026-11-30T12:05:00Z'),
    ];
    for (const event of events)
      await sqs.client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(retriesExhausted(event, 'handoff-dev-crm-customer-to-helpdesk')),
        }),
      );

    // Act
    const result = await redriveDeadLetters({
      sqs: sqsDeadLetterQueue(options(sqs.server.url)),
      events: eventBridgeBus(options(ingress.endpoint)),
      queueUrl,
      prefix: 'handoff-dev',
      busName: 'handoff-dev',
      waitSeconds: 0,
      clock: { now: () => 0, sleep: async () => undefined },
    });

    // Assess
    expect(result.counts).toMatchObject({ scanned: 2, matched: 2, redriven: 2, failed: 0 });
    expect(ingress.events.map((e) => [e.time, (e.detail as { customerId: string }).customerId])).toEqual([
      ['2026-11-30T12:00:00Z', '7'],
      ['2026-11-30T12:05:00Z', '8'],
    ]);
    expect(sqs.store.stats('redrive-lean')).toMatchObject({ visible: 0, inFlight: 0 });
  });
});

describe('receiving', () => {
  it('returns binary message attributes as bytes, as the SDK does', async () => {
    // Prepare
    await sqs.store.createQueue('binary', {});
    const queueUrl = sqs.server.queueUrl('binary');
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'b',
        MessageAttributes: {
          bytes: { DataType: 'Binary', BinaryValue: Uint8Array.of(0, 1, 254, 255) },
          text: { DataType: 'String', StringValue: 'ünï' },
        },
      }),
    );

    // Act
    const received = await sqsDeadLetterQueue(options(sqs.server.url)).receiveMessage({
      QueueUrl: queueUrl,
      MessageAttributeNames: ['All'],
    });

    // Assess
    expect(received.Messages?.[0]?.MessageAttributes).toEqual({
      bytes: { DataType: 'Binary', BinaryValue: Uint8Array.of(0, 1, 254, 255) },
      text: { DataType: 'String', StringValue: 'ünï' },
    });
  });

  it('refuses a message whose body does not match its digest', async () => {
    // Prepare
    fake.script(
      awsOk({
        Messages: [{ MessageId: 'm-1', ReceiptHandle: 'h', Body: 'hello', MD5OfBody: 'f'.repeat(32) }],
      }),
    );

    // Act
    const error = await sqsDeadLetterQueue(options(fake.endpoint))
      .receiveMessage({ QueueUrl: 'q' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect(error).toBeInstanceOf(AwsResponseError);
    expect((error as Error).message).toMatch(/message m-1 with a body that does not match its digest/);
  });

  it('waits out a long poll longer than the per-attempt timeout', async () => {
    // Prepare: the queue answers after 600 ms of a 1-second long poll; attempts time out at 200 ms.
    fake.requests.length = 0;
    fake.script({ ...awsOk({ Messages: [] }), delayMs: 600 });

    // Act
    const received = await sqsDeadLetterQueue({ ...options(fake.endpoint), timeoutMs: 200 }).receiveMessage({
      QueueUrl: 'q',
      WaitTimeSeconds: 1,
    });

    // Assess
    expect(received).toEqual({ Messages: [] });
    expect(fake.requests).toHaveLength(1);
  });
});
