import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from './helpers.js';

const AWS = '/usr/bin/aws';
const run = promisify(execFile);

/** Runs `aws sqs ...` against the server with throwaway credentials and no user config. */
async function aws(endpoint: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(
      AWS,
      ['--endpoint-url', endpoint, '--output', 'json', 'sqs', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_PAGER: '',
        },
      },
    );
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

// The packaged CLI is optional on developer machines: without it these tests skip.
describe.skipIf(!existsSync(AWS))('aws sqs --endpoint-url (the packaged AWS CLI)', () => {
  let sqs: LocalSqs;

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });

  afterAll(async () => {
    expect(sqs.serverErrors).toEqual([]);
    await sqs.close();
  });

  it('sends and receives with the CLI, interoperating with the SDK, and reports SQS errors by their query code', {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const created = await sqs.client.send(new CreateQueueCommand({ QueueName: 'cli-queue' }));
    const queueUrl = created.QueueUrl ?? '';
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'from the SDK' }));
    const body = 'from the CLI: <&> "quoted"\r\nsecond line';

    // Act: the CLI is slow to start, so independent calls run side by side.
    const [sent, missing] = await Promise.all([
      aws(
        sqs.server.url,
        'send-message',
        '--queue-url',
        queueUrl,
        '--message-body',
        body,
        '--message-attributes',
        '{"handoff-contract":{"DataType":"String","StringValue":"crm-customer-to-helpdesk"}}',
      ),
      aws(sqs.server.url, 'get-queue-url', '--queue-name', 'no-such-queue'),
    ]);
    const received = await aws(
      sqs.server.url,
      'receive-message',
      '--queue-url',
      queueUrl,
      '--max-number-of-messages',
      '10',
      '--attribute-names',
      'All',
      '--message-attribute-names',
      'All',
    );
    const messages = (JSON.parse(received.out) as { Messages: Array<Record<string, unknown>> }).Messages;
    for (const m of messages)
      await sqs.client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: String(m.ReceiptHandle) }),
      );
    const left = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );

    // Assess
    expect(sent.code).toBe(0);
    const sentOut = JSON.parse(sent.out) as { MessageId: string; MD5OfMessageAttributes: string };
    expect(messages.map((m) => m.Body).sort()).toEqual(['from the SDK', body].sort());
    expect(messages.find((m) => m.Body === body)).toMatchObject({
      MessageId: sentOut.MessageId,
      MD5OfMessageAttributes: sentOut.MD5OfMessageAttributes,
      MessageAttributes: {
        'handoff-contract': { DataType: 'String', StringValue: 'crm-customer-to-helpdesk' },
      },
      Attributes: { ApproximateReceiveCount: '1', SenderId: '000000000000' },
    });
    expect(left.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('AWS.SimpleQueueService.NonExistentQueue');
    expect(missing.err).not.toMatch(/Traceback/);
  });
});
