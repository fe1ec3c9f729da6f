import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  type CreateQueueCommandInput,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, rejection, startLocalSqs } from './helpers.js';

let sqs: LocalSqs;
let counter = 0;

beforeAll(async () => {
  sqs = await startLocalSqs();
});

afterAll(async () => {
  expect(sqs.serverErrors).toEqual([]);
  await sqs.close();
});

/** A new queue with a unique name. */
async function newQueue(attributes: Record<string, string> = {}): Promise<string> {
  counter += 1;
  const out = await sqs.client.send(
    new CreateQueueCommand({ QueueName: `test-queue-${counter}`, Attributes: attributes }),
  );
  return out.QueueUrl ?? '';
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

async function attributes(queueUrl: string): Promise<Record<string, string>> {
  const out = await sqs.client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return out.Attributes ?? {};
}

describe('queues', () => {
  it('creates a queue at http://127.0.0.1:<port>/000000000000/<name>, idempotently for the same attributes', async () => {
    // Act
    const first = await sqs.client.send(
      new CreateQueueCommand({
        QueueName: 'handoff-local-dlq-critical',
        Attributes: { VisibilityTimeout: '60' },
      }),
    );
    const again = await sqs.client.send(
      new CreateQueueCommand({
        QueueName: 'handoff-local-dlq-critical',
        Attributes: { VisibilityTimeout: '60' },
      }),
    );
    const url = await sqs.client.send(new GetQueueUrlCommand({ QueueName: 'handoff-local-dlq-critical' }));

    // Assess
    expect(first.QueueUrl).toBe(
      `http://127.0.0.1:${sqs.server.port}/000000000000/handoff-local-dlq-critical`,
    );
    expect(again.QueueUrl).toBe(first.QueueUrl);
    expect(url.QueueUrl).toBe(first.QueueUrl);
    expect(sqs.server.queueUrl('handoff-local-dlq-critical')).toBe(first.QueueUrl);
  });

  it('refuses to create an existing queue with a different attribute value (QueueNameExists)', async () => {
    // Prepare
    await sqs.client.send(
      new CreateQueueCommand({ QueueName: 'exists-q', Attributes: { DelaySeconds: '5' } }),
    );

    // Act
    const error = await rejection(
      sqs.client.send(new CreateQueueCommand({ QueueName: 'exists-q', Attributes: { DelaySeconds: '6' } })),
    );

    // Assess
    expect(error.name).toBe('QueueNameExists');
    expect(error.message).toContain('DelaySeconds');
  });

  it.each([
    [{ QueueName: 'bad name!' }, 'InvalidParameterValue', /alphanumeric/],
    [{ QueueName: 'x'.repeat(81) }, 'InvalidParameterValue', /1 to 80/],
    [{ QueueName: 'orders.fifo', Attributes: { FifoQueue: 'true' } }, 'InvalidParameterValue', /FIFO/],
    [
      { QueueName: 'q-redrive', Attributes: { RedrivePolicy: '{}' } },
      'InvalidAttributeName',
      /RedrivePolicy/,
    ],
    [{ QueueName: 'q-unknown', Attributes: { Colour: 'blue' } }, 'InvalidAttributeName', /Colour/],
    [
      { QueueName: 'q-vis', Attributes: { VisibilityTimeout: '43201' } },
      'InvalidAttributeValue',
      /0 to 43200/,
    ],
    [
      { QueueName: 'q-ret', Attributes: { MessageRetentionPeriod: '1209601' } },
      'InvalidAttributeValue',
      /1209600/,
    ],
    [
      { QueueName: 'q-size', Attributes: { MaximumMessageSize: 'big' } },
      'InvalidAttributeValue',
      /MaximumMessageSize/,
    ],
  ])('rejects CreateQueue %j with %s', async (input, name, message) => {
    // Act
    // Some inputs are deliberately outside the SDK's types.
    const error = await rejection(sqs.client.send(new CreateQueueCommand(input as CreateQueueCommandInput)));

    // Assess
    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
  });

  it('names an unknown queue QueueDoesNotExist, whatever the operation', async () => {
    // Prepare
    const missing = `${sqs.server.url}/000000000000/no-such-queue`;

    // Act
    const errors = await Promise.all([
      rejection(sqs.client.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' }))),
      rejection(sqs.client.send(new SendMessageCommand({ QueueUrl: missing, MessageBody: 'x' }))),
      rejection(sqs.client.send(new ReceiveMessageCommand({ QueueUrl: missing }))),
      rejection(
        sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: missing, AttributeNames: ['All'] })),
      ),
      rejection(sqs.client.send(new PurgeQueueCommand({ QueueUrl: `${sqs.server.url}/123456789012/x` }))),
    ]);

    // Assess
    expect(errors.map((e) => e.name)).toEqual(Array(5).fill('QueueDoesNotExist'));
    expect(errors[0]?.Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
  });

  it('lists queues by prefix and pages through them with MaxResults and NextToken', async () => {
    // Prepare
    for (const name of ['page-c', 'page-a', 'page-b', 'other-a'])
      await sqs.client.send(new CreateQueueCommand({ QueueName: name }));

    // Act
    const all = await sqs.client.send(new ListQueuesCommand({ QueueNamePrefix: 'page-' }));
    const first = await sqs.client.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2 }));
    const second = await sqs.client.send(
      new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2, NextToken: first.NextToken }),
    );
    const none = await sqs.client.send(new ListQueuesCommand({ QueueNamePrefix: 'nothing-' }));

    // Assess
    const names = (urls?: string[]) => (urls ?? []).map((u) => u.split('/').at(-1));
    expect(names(all.QueueUrls)).toEqual(['page-a', 'page-b', 'page-c']);
    expect(names(first.QueueUrls)).toEqual(['page-a', 'page-b']);
    expect(names(second.QueueUrls)).toEqual(['page-c']);
    expect(second.NextToken).toBeUndefined();
    expect(none.QueueUrls ?? []).toEqual([]);
  });

  it('answers GetQueueAttributes with SQS defaults, counts, ARN and timestamps; SetQueueAttributes changes them', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const name = queueUrl.split('/').at(-1);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'visible' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'in flight' }));
    await sqs.client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'delayed', DelaySeconds: 600 }),
    );
    await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    // Act
    const before = await attributes(queueUrl);
    await sqs.client.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: { VisibilityTimeout: '120', MessageRetentionPeriod: '1209600' },
      }),
    );
    const after = await attributes(queueUrl);
    const some = await sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['QueueArn', 'VisibilityTimeout'],
      }),
    );

    // Assess
    expect(before).toMatchObject({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      MaximumMessageSize: '1048576',
    });
    expect(Number(before.CreatedTimestamp)).toBeCloseTo(Date.now() / 1000, -2);
    expect(Number(before.LastModifiedTimestamp)).toBeGreaterThanOrEqual(Number(before.CreatedTimestamp));
    expect(after).toMatchObject({ VisibilityTimeout: '120', MessageRetentionPeriod: '1209600' });
    expect(some.Attributes).toEqual({ QueueArn: before.QueueArn, VisibilityTimeout: '120' });
  });

  it('rejects unknown attribute names in GetQueueAttributes and read-only ones in SetQueueAttributes', async () => {
    // Prepare
    const queueUrl = await newQueue();

    // Act
    const get = await rejection(
      sqs.client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['Colour' as 'All'] }),
      ),
    );
    const set = await rejection(
      sqs.client.send(
        new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { QueueArn: 'arn:x' } }),
      ),
    );

    // Assess
    expect(get.name).toBe('InvalidAttributeName');
    expect(set.name).toBe('InvalidAttributeName');
  });

  it('tags, lists tags and untags a queue', async () => {
    // Prepare
    const queueUrl = await newQueue();

    // Act
    await sqs.client.send(
      new TagQueueCommand({ QueueUrl: queueUrl, Tags: { team: 'platform', tier: 'critical' } }),
    );
    await sqs.client.send(new UntagQueueCommand({ QueueUrl: queueUrl, TagKeys: ['tier'] }));
    const tags = await sqs.client.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }));
    const sources = await sqs.client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: queueUrl }));

    // Assess
    expect(tags.Tags).toEqual({ team: 'platform' });
    expect(sources.queueUrls).toEqual([]);
  });

  it('deletes a queue with its messages; a queue created again under the name starts empty', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const name = queueUrl.split('/').at(-1);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'old' }));

    // Act
    await sqs.client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    const gone = await rejection(
      sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' })),
    );
    await sqs.client.send(new CreateQueueCommand({ QueueName: name }));
    const received = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    // Assess
    expect(gone.name).toBe('QueueDoesNotExist');
    expect(received.Messages ?? []).toEqual([]);
  });
});

describe('sending and receiving', () => {
  it('round-trips bodies byte for byte, with SQS message ids and MD5s the SDK verifies', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const bodies = [
      '{"event":"x"}',
      'Héllo 😀 <&> "quotes" \'apos\'',
      'line one\r\nline two\ttab',
      ' padded ',
    ];

    // Act
    const sent = [];
    for (const body of bodies)
      sent.push(await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body })));
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );

    // Assess
    expect(sent.map((s) => s.MD5OfMessageBody)).toEqual(bodies.map(md5));
    for (const s of sent)
      expect(s.MessageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(received.Messages?.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    expect(received.Messages?.map((m) => m.MD5OfBody).sort()).toEqual(bodies.map(md5).sort());
    expect(received.Messages?.[0]?.Attributes).toBeUndefined();
    expect(received.Messages?.[0]?.MessageAttributes).toBeUndefined();
  });

  it('returns system attributes when asked (All or by name), with SentTimestamp and receive counts', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const before = Date.now();
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'x',
        MessageGroupId: 'tenant-1',
        MessageSystemAttributes: {
          AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' },
        },
      }),
    );

    // Act
    const first = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    const second = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );

    // Assess
    const all = first.Messages?.[0]?.Attributes ?? {};
    expect(all).toEqual({
      SenderId: '000000000000',
      SentTimestamp: expect.stringMatching(/^\d{13}$/),
      ApproximateReceiveCount: '1',
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      MessageGroupId: 'tenant-1',
      AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793',
    });
    expect(Number(all.SentTimestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(all.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(all.SentTimestamp));
    expect(second.Messages?.[0]?.Attributes).toEqual({
      ApproximateReceiveCount: '2',
      SentTimestamp: all.SentTimestamp,
    });
  });

  it('stores String, Number and Binary message attributes and returns the ones asked for, with SQS MD5s', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const messageAttributes = {
      timestamp: { DataType: 'Number', StringValue: '1493147359900' },
      'handoff.contract': { DataType: 'String', StringValue: 'crm-customer-to-helpdesk' },
      'handoff.entity': { DataType: 'String.id', StringValue: 'C-42' },
      blob: { DataType: 'Binary', BinaryValue: Uint8Array.of(0, 1, 2, 255) },
    };

    // Act
    const single = await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'one attribute',
        MessageAttributes: { timestamp: messageAttributes.timestamp },
      }),
    );
    const sent = await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'all',
        MessageAttributes: messageAttributes,
      }),
    );
    const all = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    const some = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['handoff.*', 'blob'],
      }),
    );

    // Assess: the single-attribute digest is the one SQS returns (pinned by moto's tests against AWS).
    expect(single.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c');
    const full = all.Messages?.find((m) => m.Body === 'all');
    expect(full?.MessageAttributes).toEqual(messageAttributes);
    expect(full?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    const partial = some.Messages?.find((m) => m.Body === 'all');
    expect(Object.keys(partial?.MessageAttributes ?? {}).sort()).toEqual([
      'blob',
      'handoff.contract',
      'handoff.entity',
    ]);
    expect(partial?.MD5OfMessageAttributes).not.toBe(sent.MD5OfMessageAttributes);
  });

  it.each([
    ['an empty body', { MessageBody: '' }, 'MissingParameter', /MessageBody/],
    ['a NUL character', { MessageBody: 'a\u0000b' }, 'InvalidMessageContents', /#x0/],
    ['a lone surrogate', { MessageBody: 'a\ud800b' }, 'InvalidMessageContents', /#xD800/],
    ['DelaySeconds 901', { MessageBody: 'x', DelaySeconds: 901 }, 'InvalidParameterValue', /DelaySeconds/],
    [
      'an attribute with a reserved name',
      { MessageBody: 'x', MessageAttributes: { 'AWS.x': { DataType: 'String', StringValue: 'v' } } },
      'InvalidParameterValue',
      /AWS\.x/,
    ],
    [
      'a Number attribute that is not a number',
      { MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'twelve' } } },
      'InvalidParameterValue',
      /to a number/,
    ],
    [
      'an unknown attribute type',
      { MessageBody: 'x', MessageAttributes: { n: { DataType: 'Date', StringValue: 'x' } } },
      'InvalidParameterValue',
      /Binary, Number, String/,
    ],
    [
      'eleven attributes',
      {
        MessageBody: 'x',
        MessageAttributes: Object.fromEntries(
          Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
        ),
      },
      'InvalidParameterValue',
      /\[11\] exceeds the allowed maximum \[10\]/,
    ],
    [
      'a deduplication id on a standard queue',
      { MessageBody: 'x', MessageDeduplicationId: 'd' },
      'InvalidParameterValue',
      /queue type/,
    ],
    [
      'a body over 1 MiB',
      { MessageBody: 'x'.repeat(1_048_577) },
      'InvalidParameterValue',
      /shorter than 1048576 bytes/,
    ],
  ])('rejects a message with %s', async (_label, input, name, message) => {
    // Prepare
    const queueUrl = await newQueue();

    // Act
    const error = await rejection(sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, ...input })));

    // Assess
    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
  });

  it("accepts a message of exactly the queue's MaximumMessageSize, counting attributes, and rejects one byte more", async () => {
    // Prepare
    const queueUrl = await newQueue({ MaximumMessageSize: '1024' });
    const attribute = { k: { DataType: 'String', StringValue: 'vv' } }; // 1 + 6 + 2 = 9 bytes

    // Act
    const fits = await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'é'.repeat(505) + 'x'.repeat(5),
        MessageAttributes: attribute,
      }),
    );
    const error = await rejection(
      sqs.client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: 'x'.repeat(1016),
          MessageAttributes: attribute,
        }),
      ),
    );

    // Assess
    expect(fits.MessageId).toBeDefined();
    expect(error.name).toBe('InvalidParameterValue');
  });

  it('round-trips a 1 MiB body', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const body = 'abcdefgh'.repeat(131_072);

    // Act
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const received = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    // Assess
    expect(received.Messages?.[0]?.Body).toBe(body);
  });

  it('returns at most MaxNumberOfMessages (1 by default) and rejects values outside 1-10', async () => {
    // Prepare
    const queueUrl = await newQueue();
    for (let i = 0; i < 12; i += 1)
      await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${i}` }));

    // Act
    const one = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    const ten = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const rest = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const tooMany = await rejection(
      sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 11 })),
    );
    const tooLong = await rejection(
      sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 21 })),
    );

    // Assess
    expect(one.Messages).toHaveLength(1);
    expect(ten.Messages).toHaveLength(10);
    expect(rest.Messages).toHaveLength(1);
    expect(tooMany.name).toBe('InvalidParameterValue');
    expect(tooMany.message).toContain('MaxNumberOfMessages');
    expect(tooLong.message).toContain('WaitTimeSeconds');
  });

  it('keeps a delayed message hidden until its delay has passed', async () => {
    // Prepare
    const queueUrl = await newQueue();
    await sqs.client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'later', DelaySeconds: 1 }),
    );

    // Act
    const now = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    const counts = await attributes(queueUrl);
    const later = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }),
    );

    // Assess
    expect(now.Messages ?? []).toEqual([]);
    expect(counts.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(later.Messages?.[0]?.Body).toBe('later');
  });

  it('applies the queue DelaySeconds when the message gives none', async () => {
    // Prepare
    const queueUrl = await newQueue({ DelaySeconds: '600' });

    // Act
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'queue delay' }));
    await sqs.client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'no delay', DelaySeconds: 0 }),
    );
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );

    // Assess
    expect(received.Messages?.map((m) => m.Body)).toEqual(['no delay']);
  });
});

describe('visibility and receipt handles', () => {
  it('hides a received message, gives a new receipt handle per receive, and ChangeMessageVisibility 0 shows it again', async () => {
    // Prepare
    const queueUrl = await newQueue();
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));

    // Act
    const first = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    const hidden = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    await sqs.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: first.Messages?.[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const second = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );

    // Assess
    expect(hidden.Messages ?? []).toEqual([]);
    expect(second.Messages?.[0]?.MessageId).toBe(first.Messages?.[0]?.MessageId);
    expect(second.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
    expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('brings a message back when its visibility timeout passes (a long poll picks it up)', async () => {
    // Prepare
    const queueUrl = await newQueue();
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 1 }));

    // Act
    const again = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );

    // Assess
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('uses the queue VisibilityTimeout by default', async () => {
    // Prepare
    const queueUrl = await newQueue({ VisibilityTimeout: '0' });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));

    // Act
    await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    const again = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    // Assess
    expect(again.Messages).toHaveLength(1);
  });

  it('deletes only with the latest receipt handle: an older one succeeds without deleting, garbage fails', async () => {
    // Prepare
    const queueUrl = await newQueue();
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    const first = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }),
    );
    const second = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }),
    );

    // Act
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }),
    );
    const stillThere = await attributes(queueUrl);
    const garbage = await rejection(
      sqs.client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'not-a-receipt-handle' }),
      ),
    );
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second.Messages?.[0]?.ReceiptHandle }),
    );
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second.Messages?.[0]?.ReceiptHandle }),
    );
    const gone = await attributes(queueUrl);

    // Assess
    expect(stillThere.ApproximateNumberOfMessages).toBe('1');
    expect(garbage.name).toBe('ReceiptHandleIsInvalid');
    expect((garbage.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
    expect(gone.ApproximateNumberOfMessages).toBe('0');
    expect(gone.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it("rejects another queue's receipt handle as invalid", async () => {
    // Prepare
    const a = await newQueue();
    const b = await newQueue();
    await sqs.client.send(new SendMessageCommand({ QueueUrl: a, MessageBody: 'x' }));
    const received = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: a }));

    // Act
    const error = await rejection(
      sqs.client.send(
        new DeleteMessageCommand({ QueueUrl: b, ReceiptHandle: received.Messages?.[0]?.ReceiptHandle }),
      ),
    );

    // Assess
    expect(error.name).toBe('ReceiptHandleIsInvalid');
  });

  it('refuses ChangeMessageVisibility on a stale handle, a message not in flight, and beyond 12 hours', async () => {
    // Prepare
    const queueUrl = await newQueue();
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    const first = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }),
    );
    const second = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }),
    );
    const change = (handle: string | undefined, timeout: number) =>
      sqs.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: handle,
          VisibilityTimeout: timeout,
        }),
      );

    // Act
    const stale = await rejection(change(first.Messages?.[0]?.ReceiptHandle, 10));
    const notInFlight = await rejection(change(second.Messages?.[0]?.ReceiptHandle, 10));
    const third = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    const tooLong = await rejection(change(third.Messages?.[0]?.ReceiptHandle, 43_201));
    await change(third.Messages?.[0]?.ReceiptHandle, 43_000);

    // Assess
    expect(stale.name).toBe('InvalidParameterValue');
    expect(stale.message).toContain(
      'Message does not exist or is not available for visibility timeout change',
    );
    expect(notInFlight.name).toBe('MessageNotInflight');
    expect(tooLong.name).toBe('InvalidParameterValue');
  });
});

describe.concurrent('long polling', () => {
  it('returns as soon as a message arrives, well before WaitTimeSeconds', { timeout: 10_000 }, async () => {
    // Prepare
    const queueUrl = await newQueue();

    // Act: the poll waits up to 20 s; the test's 10 s timeout fails it unless the send wakes it.
    const polling = sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'wake up' }));
    const received = await polling;

    // Assess
    expect(received.Messages?.[0]?.Body).toBe('wake up');
  });

  it('uses the queue ReceiveMessageWaitTimeSeconds when the request gives none', {
    timeout: 10_000,
  }, async () => {
    // Prepare
    const queueUrl = await newQueue({ ReceiveMessageWaitTimeSeconds: '20' });

    // Act
    const polling = sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'late' }));

    // Assess
    expect((await polling).Messages?.[0]?.Body).toBe('late');
  });

  it('answers an empty receive when nothing arrives in WaitTimeSeconds', async () => {
    // Prepare
    const queueUrl = await newQueue();

    // Act
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );

    // Assess
    expect(received.Messages ?? []).toEqual([]);
  });

  it('hands each message to one of several concurrent pollers', { timeout: 10_000 }, async () => {
    // Prepare
    const queueUrl = await newQueue();
    const polls = Array.from({ length: 4 }, () =>
      sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: id })),
      }),
    );
    const results = await Promise.all(polls);

    // Assess
    const bodies = results.flatMap((r) => r.Messages ?? []).map((m) => m.Body);
    expect(bodies.sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('batches', () => {
  it('sends a batch with per-entry results: valid entries succeed, invalid ones fail with their code', async () => {
    // Prepare
    const queueUrl = await newQueue();

    // Act
    const out = await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          {
            Id: 'ok-1',
            MessageBody: 'first',
            MessageAttributes: { a: { DataType: 'String', StringValue: 'v' } },
          },
          { Id: 'bad-chars', MessageBody: 'nul \u0000' },
          { Id: 'bad-delay', MessageBody: 'x', DelaySeconds: 1000 },
          { Id: 'ok-2', MessageBody: 'second' },
        ],
      }),
    );
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );

    // Assess
    expect(out.Successful?.map((s) => s.Id).sort()).toEqual(['ok-1', 'ok-2']);
    expect(out.Successful?.find((s) => s.Id === 'ok-1')).toMatchObject({
      MD5OfMessageBody: md5('first'),
      MD5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(out.Failed?.map((f) => [f.Id, f.Code, f.SenderFault]).sort()).toEqual([
      ['bad-chars', 'InvalidMessageContents', true],
      ['bad-delay', 'InvalidParameterValue', true],
    ]);
    expect(received.Messages?.map((m) => m.Body).sort()).toEqual(['first', 'second']);
  });

  it.each([
    ['no entries', [], 'EmptyBatchRequest'],
    [
      '11 entries',
      Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })),
      'TooManyEntriesInBatchRequest',
    ],
    [
      'a repeated id',
      [
        { Id: 'same', MessageBody: 'x' },
        { Id: 'same', MessageBody: 'y' },
      ],
      'BatchEntryIdsNotDistinct',
    ],
    ['an id with a space', [{ Id: 'not valid!', MessageBody: 'x' }], 'InvalidBatchEntryId'],
    [
      'over 1 MiB in all',
      Array.from({ length: 2 }, (_, i) => ({ Id: `big${i}`, MessageBody: 'x'.repeat(600_000) })),
      'BatchRequestTooLong',
    ],
  ])('rejects a whole SendMessageBatch with %s (%s)', async (_label, entries, name) => {
    // Prepare
    const queueUrl = await newQueue();

    // Act
    const error = await rejection(
      sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
    );

    // Assess
    expect(error.name).toBe(name);
  });

  it('deletes and changes visibility in batches, reporting each entry', async () => {
    // Prepare
    const queueUrl = await newQueue();
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: id })),
      }),
    );
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const handles = (received.Messages ?? []).map((m) => m.ReceiptHandle ?? '');

    // Act
    const changed = await sqs.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'show', ReceiptHandle: handles[0], VisibilityTimeout: 0 },
          { Id: 'garbage', ReceiptHandle: 'garbage', VisibilityTimeout: 0 },
          { Id: 'too-long', ReceiptHandle: handles[1], VisibilityTimeout: 50_000 },
        ],
      }),
    );
    const deleted = await sqs.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'd1', ReceiptHandle: handles[1] },
          { Id: 'd2', ReceiptHandle: handles[2] },
          { Id: 'bad', ReceiptHandle: '!!!' },
        ],
      }),
    );
    const left = await attributes(queueUrl);

    // Assess
    expect(changed.Successful?.map((s) => s.Id)).toEqual(['show']);
    expect(changed.Failed?.map((f) => [f.Id, f.Code])).toEqual([
      ['garbage', 'ReceiptHandleIsInvalid'],
      ['too-long', 'InvalidParameterValue'],
    ]);
    expect(deleted.Successful?.map((s) => s.Id)).toEqual(['d1', 'd2']);
    expect(deleted.Failed?.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([
      ['bad', 'ReceiptHandleIsInvalid', true],
    ]);
    expect(left.ApproximateNumberOfMessages).toBe('1');
    expect(left.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });
});

describe('purge', () => {
  it('deletes every message, and refuses a second purge within 60 seconds', async () => {
    // Prepare
    const queueUrl = await newQueue();
    for (let i = 0; i < 3; i += 1)
      await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${i}` }));
    await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    // Act
    await sqs.client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    const after = await attributes(queueUrl);
    const again = await rejection(sqs.client.send(new PurgeQueueCommand({ QueueUrl: queueUrl })));

    // Assess
    expect(after.ApproximateNumberOfMessages).toBe('0');
    expect(after.ApproximateNumberOfMessagesNotVisible).toBe('0');
    expect(again.name).toBe('PurgeQueueInProgress');
  });
});

describe('concurrency', () => {
  it('keeps every one of many concurrent sends', async () => {
    // Prepare
    const queueUrl = await newQueue();

    // Act
    const sent = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${i}` })),
      ),
    );

    // Assess
    expect(new Set(sent.map((s) => s.MessageId)).size).toBe(100);
    expect((await attributes(queueUrl)).ApproximateNumberOfMessages).toBe('100');
  });
});
