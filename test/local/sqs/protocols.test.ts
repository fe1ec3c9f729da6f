import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqsStore, startSqsServer } from '../../../lib/local/sqs/index.js';
import { type LocalSqs, rejection, sqsClient, startLocalSqs, tempDir } from './helpers.js';

let sqs: LocalSqs;
let queueUrl: string;

beforeAll(async () => {
  sqs = await startLocalSqs();
  queueUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: 'wire' }))).QueueUrl ?? '';
});

afterAll(async () => {
  expect(sqs.serverErrors).toEqual([]);
  await sqs.close();
});

/** A JSON 1.0 request as the SDK sends it. */
function json(target: string, body: string, url = sqs.server.url): Promise<Response> {
  return fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
    body,
  });
}

/** A query-protocol request as older CLIs send it. */
function query(params: Record<string, string>, path = '/'): Promise<Response> {
  return fetch(`${sqs.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
  });
}

/** The text of the first `<tag>` in an XML answer, unescaped. */
function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1]
    ?.replace(/&#xD;/g, '\r')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

const STACK_FRAME = /\bat .+:\d+:\d+/;

describe('the JSON 1.0 protocol', () => {
  it('answers QueueDoesNotExist in the shape the SDK parses: __type, message and x-amzn-query-error', async () => {
    // Act
    const response = await json('AmazonSQS.GetQueueUrl', JSON.stringify({ QueueName: 'missing' }));
    const body = await response.json();

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(response.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist for this wsdl version.',
    });
  });

  it.each([
    ['malformed JSON', 'AmazonSQS.SendMessage', '{"QueueUrl": ', 'SerializationException', /not valid JSON/],
    ['a JSON array', 'AmazonSQS.SendMessage', '[1, 2]', 'SerializationException', /JSON object/],
    ['an unknown operation', 'AmazonSQS.FlyToTheMoon', '{}', 'UnknownOperationException', /FlyToTheMoon/],
    ['another service', 'DynamoDB_20120810.GetItem', '{}', 'UnknownOperationException', /X-Amz-Target/],
    ['a missing QueueUrl', 'AmazonSQS.SendMessage', '{"MessageBody":"x"}', 'MissingParameter', /QueueUrl/],
    [
      'a string where an integer belongs',
      'AmazonSQS.ReceiveMessage',
      '{"QueueUrl":"QUEUE","MaxNumberOfMessages":"ten"}',
      'InvalidParameterValue',
      /MaxNumberOfMessages.*integer/,
    ],
    [
      'a malformed batch entry',
      'AmazonSQS.SendMessageBatch',
      '{"QueueUrl":"QUEUE","Entries":[{"MessageBody":"x"}]}',
      'MissingParameter',
      /Entries\.1\.Id/,
    ],
    [
      'binary that is not base64',
      'AmazonSQS.SendMessage',
      '{"QueueUrl":"QUEUE","MessageBody":"x","MessageAttributes":{"b":{"DataType":"Binary","BinaryValue":"%%%"}}}',
      'InvalidParameterValue',
      /base64/,
    ],
    [
      'a queue URL that is not a URL',
      'AmazonSQS.SendMessage',
      '{"QueueUrl":"nope","MessageBody":"x"}',
      'InvalidAddress',
      /nope/,
    ],
    [
      'a queue URL with broken percent-encoding',
      'AmazonSQS.SendMessage',
      '{"QueueUrl":"http://127.0.0.1/000000000000/%E0%A4%A","MessageBody":"x"}',
      'QueueDoesNotExist',
      /does not exist/,
    ],
    ['an unsupported operation', 'AmazonSQS.AddPermission', '{}', 'UnsupportedOperation', /not supported/],
  ])('answers %s with a 4xx %s, never a stack trace', async (_label, target, body, type, message) => {
    // Act
    const response = await json(target, body.replace('QUEUE', queueUrl));
    const text = await response.text();
    const parsed = JSON.parse(text) as { __type: string; message: string };

    // Assess
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(parsed.__type).toBe(`com.amazonaws.sqs#${type}`);
    expect(parsed.message).toMatch(message);
    expect(text).not.toMatch(STACK_FRAME);
  });

  it('gives the SDK the error name for errors outside its model, too', async () => {
    // Act
    const error = await rejection(
      sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 43_201 })),
    );

    // Assess
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain('VisibilityTimeout');
  });

  it('answers 413 for a body over the limit, in the protocol of the request', async () => {
    // Prepare
    const dir = tempDir();
    const store = await openSqsStore({ dir });
    const server = await startSqsServer({ store, maxRequestBytes: 1024 });

    // Act
    const response = await json(
      'AmazonSQS.SendMessage',
      JSON.stringify({ MessageBody: 'x'.repeat(2000) }),
      server.url,
    );
    const body = (await response.json()) as { __type: string };
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(response.status).toBe(413);
    expect(body.__type).toBe('com.amazonaws.sqs#RequestEntityTooLarge');
  });
});

describe('the query protocol', () => {
  it('sends and receives with form parameters and XML answers, keeping bodies byte for byte', async () => {
    // Prepare
    const body = 'tags <a href="x">&amp;</a>\r\nsecond line \'quoted\'';

    // Act
    const sent = await query({
      Action: 'SendMessage',
      QueueUrl: queueUrl,
      MessageBody: body,
      'MessageAttribute.1.Name': 'contract',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'crm-to-helpdesk',
    });
    const sentXml = await sent.text();
    const received = await query({
      Action: 'ReceiveMessage',
      QueueUrl: queueUrl,
      'AttributeName.1': 'All',
      'MessageAttributeName.1': 'All',
    });
    const xml = await received.text();
    await query({
      Action: 'DeleteMessage',
      QueueUrl: queueUrl,
      ReceiptHandle: xmlText(xml, 'ReceiptHandle') ?? '',
    });

    // Assess
    expect(sent.status).toBe(200);
    expect(sentXml).toMatch(
      /^<\?xml version="1.0"\?><SendMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/">/,
    );
    expect(xmlText(sentXml, 'MD5OfMessageAttributes')).toMatch(/^[0-9a-f]{32}$/);
    expect(xmlText(xml, 'Body')).toBe(body);
    expect(xmlText(xml, 'MessageId')).toBe(xmlText(sentXml, 'MessageId'));
    expect(xml).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    expect(xml).toContain(
      '<MessageAttribute><Name>contract</Name><Value><DataType>String</DataType><StringValue>crm-to-helpdesk</StringValue></Value></MessageAttribute>',
    );
    expect(xml).toContain('<ResponseMetadata><RequestId>');
  });

  it('takes the queue from the request path when QueueUrl is not a parameter', async () => {
    // Prepare
    const path = new URL(queueUrl).pathname;

    // Act
    const response = await query({ Action: 'GetQueueAttributes', 'AttributeName.1': 'QueueArn' }, path);
    const xml = await response.text();

    // Assess
    expect(xml).toContain(
      '<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:000000000000:wire</Value></Attribute>',
    );
  });

  it('answers batches with flattened result and error entries', async () => {
    // Act
    const response = await query({
      Action: 'SendMessageBatch',
      QueueUrl: queueUrl,
      'SendMessageBatchRequestEntry.1.Id': 'good',
      'SendMessageBatchRequestEntry.1.MessageBody': 'fine',
      'SendMessageBatchRequestEntry.2.Id': 'late',
      'SendMessageBatchRequestEntry.2.MessageBody': 'x',
      'SendMessageBatchRequestEntry.2.DelaySeconds': '1000',
    });
    const xml = await response.text();

    // Assess
    expect(xml).toMatch(/<SendMessageBatchResultEntry><Id>good<\/Id><MessageId>[0-9a-f-]{36}<\/MessageId>/);
    expect(xml).toMatch(
      /<BatchResultErrorEntry><Id>late<\/Id><SenderFault>true<\/SenderFault><Code>InvalidParameterValue<\/Code>/,
    );
  });

  it.each([
    [{ Action: 'GetQueueUrl', QueueName: 'missing' }, 400, 'AWS.SimpleQueueService.NonExistentQueue'],
    [{ Action: 'FlyToTheMoon' }, 400, 'InvalidAction'],
    [{}, 400, 'MissingAction'],
    [
      { Action: 'ReceiveMessage', QueueUrl: 'QUEUE', MaxNumberOfMessages: 'lots' },
      400,
      'InvalidParameterValue',
    ],
    [
      { Action: 'DeleteMessage', QueueUrl: 'QUEUE', ReceiptHandle: 'garbage\u0000' },
      404,
      'ReceiptHandleIsInvalid',
    ],
  ])('answers %j with an ErrorResponse (%i %s)', async (params, status, code) => {
    // Act
    const response = await query(
      Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v === 'QUEUE' ? queueUrl : v])),
    );
    const xml = await response.text();

    // Assess
    expect(response.status).toBe(status);
    expect(xml).toMatch(
      /^<\?xml version="1.0"\?><ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/">/,
    );
    expect(xmlText(xml, 'Code')).toBe(code);
    expect(xmlText(xml, 'Type')).toBe('Sender');
    expect(xml).not.toMatch(STACK_FRAME);
    expect(xml).not.toContain('\u0000');
  });
});

describe('robustness', () => {
  const OPERATIONS = [
    'CreateQueue',
    'GetQueueUrl',
    'ListQueues',
    'GetQueueAttributes',
    'SetQueueAttributes',
    'DeleteQueue',
    'PurgeQueue',
    'TagQueue',
    'UntagQueue',
    'ListQueueTags',
    'SendMessage',
    'SendMessageBatch',
    'ReceiveMessage',
    'DeleteMessage',
    'DeleteMessageBatch',
    'ChangeMessageVisibility',
    'ChangeMessageVisibilityBatch',
  ];
  const FIELDS = [
    'QueueName',
    'QueueNamePrefix',
    'Attributes',
    'tags',
    'Tags',
    'TagKeys',
    'MessageBody',
    'DelaySeconds',
    'MessageAttributes',
    'MessageSystemAttributes',
    'MessageGroupId',
    'Entries',
    'ReceiptHandle',
    'VisibilityTimeout',
    'MaxNumberOfMessages',
    'AttributeNames',
    'MessageAttributeNames',
    'NextToken',
    'MaxResults',
  ];
  const fuzzUrl = () => queueUrl.replace(/wire$/, 'fuzz');

  it('answers any JSON request to any operation with 2xx or 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OPERATIONS),
        fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 3 })),
        fc.boolean(),
        async (operation, fields, onQueue) => {
          // Prepare: the fuzzed queue exists again, whatever the last run did to it.
          await sqs.store.createQueue('fuzz');
          await sqs.store.setQueueAttributes('fuzz', { ReceiveMessageWaitTimeSeconds: '0' });
          const body = { ...fields, ...(onQueue ? { QueueUrl: fuzzUrl() } : {}), WaitTimeSeconds: 0 };

          // Act
          const response = await json(`AmazonSQS.${operation}`, JSON.stringify(body));
          await response.text();

          // Assess
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers any form request with 2xx or 4xx, never 5xx', async () => {
    const keys = fc.oneof(
      fc.constantFrom(
        'QueueName',
        'MessageBody',
        'ReceiptHandle',
        'Attribute.1.Name',
        'Attribute.1.Value',
        'MessageAttribute.1.Name',
        'MessageAttribute.1.Value.DataType',
        'MessageAttribute.1.Value.StringValue',
        'MessageAttribute.1.Value.BinaryValue',
        'SendMessageBatchRequestEntry.1.Id',
        'SendMessageBatchRequestEntry.1.MessageBody',
        'DeleteMessageBatchRequestEntry.1.Id',
        'DeleteMessageBatchRequestEntry.1.ReceiptHandle',
        'AttributeName.1',
        'MaxNumberOfMessages',
        'VisibilityTimeout',
        'DelaySeconds',
        'Tag.1.Key',
      ),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OPERATIONS),
        fc.dictionary(keys, fc.string()),
        async (action, params) => {
          // Prepare
          await sqs.store.createQueue('fuzz');
          await sqs.store.setQueueAttributes('fuzz', { ReceiveMessageWaitTimeSeconds: '0' });

          // Act
          const response = await query({
            ...params,
            Action: action,
            QueueUrl: fuzzUrl(),
            WaitTimeSeconds: '0',
          });
          const xml = await response.text();

          // Assess
          expect(response.status).toBeLessThan(500);
          expect(xml.startsWith('<?xml version="1.0"?>')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('shutdown', () => {
  it('ends pending long polls, closes keep-alive connections and frees the port', {
    timeout: 10_000,
  }, async () => {
    // Prepare
    const dir = tempDir();
    const store = await openSqsStore({ dir });
    const server = await startSqsServer({ store });
    const client = sqsClient(server.url);
    const url = (await client.send(new CreateQueueCommand({ QueueName: 'closing' }))).QueueUrl;
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    await server.close();
    const poll = await polling.then(
      (out) => out.Messages ?? [],
      (error: Error) => error,
    );
    const refused = await new Promise<string>((resolve) => {
      const req = request(server.url, { method: 'POST' }, () => resolve('answered'));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.end();
    });
    client.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(poll).toEqual([]);
    expect(refused).toBe('ECONNREFUSED');
  });

  it('answers 503 ServiceUnavailable once the store is closed under a running server', async () => {
    // Prepare
    const dir = tempDir();
    const store = await openSqsStore({ dir });
    const errors: unknown[] = [];
    const server = await startSqsServer({ store, onError: (e) => errors.push(e) });
    const client = sqsClient(server.url);
    const url = (await client.send(new CreateQueueCommand({ QueueName: 'q' }))).QueueUrl;
    await store.close();

    // Act
    const error = await rejection(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    client.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(error.name).toBe('ServiceUnavailable');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(503);
    expect(errors).toEqual([]);
  });
});
