import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeEntryPutter } from '../../../lambdas/commons/aws.js';
import { busClient, CREDENTIALS, rejection, startTestTargets, type TestTargets } from './helpers.js';

let t: TestTargets;
let client: EventBridgeClient;

beforeAll(async () => {
  t = await startTestTargets();
  client = busClient(t.targets);
});
afterAll(async () => {
  client.destroy();
  expect(t.errors).toEqual([]);
  await t.close();
});
afterEach(() => {
  t.targets.clearFault('analytics');
  t.targets.wipe('analytics');
});

const csat = (ticketId: number, score: number) => ({
  EventBusName: t.targets.analyticsBusArn,
  Source: 'handoff.csat',
  DetailType: 'CSAT Recorded',
  Detail: JSON.stringify({ ticketId, customerId: '42', score, ratedAt: '2026-11-30T10:05:00Z' }),
  Resources: [],
});

describe('PutEvents through @aws-sdk/client-eventbridge', () => {
  it('records the entries in order and answers an event id per entry', async () => {
    // Act
    const out = await client.send(new PutEventsCommand({ Entries: [csat(1, 5), csat(2, 3)] }));

    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    const { events, requests } = t.targets.state('analytics');
    expect(events.map((e) => e.id)).toEqual(out.Entries?.map((e) => e.EventId));
    expect(events[0]).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'CSAT Recorded',
      source: 'handoff.csat',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: 'us-east-1',
      resources: [],
      detail: { ticketId: 1, customerId: '42', score: 5, ratedAt: '2026-11-30T10:05:00Z' },
    });
    expect(events[1]?.detail).toMatchObject({ ticketId: 2 });
    expect(requests).toEqual({ total: 1, byStatus: { '200': 1 } });
    expect(t.targets.requests('analytics')).toEqual([
      { method: 'POST', path: '/', status: 200, at: expect.any(String), entries: 2, failedEntries: 0 },
    ]);
  });

  it('accepts the bus by name as well as by ARN, and keeps the entry Time', async () => {
    // Prepare
    const time = new Date('2026-11-30T10:05:00Z');

    // Act
    const out = await client.send(
      new PutEventsCommand({ Entries: [{ ...csat(3, 4), EventBusName: 'customer-analytics', Time: time }] }),
    );

    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(t.targets.state('analytics').events[0]?.time).toBe('2026-11-30T10:05:00Z');
  });

  it('answers per-entry errors for bad entries and records only the good ones', async () => {
    // Act
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          csat(1, 5),
          { ...csat(2, 5), Detail: '{not json' },
          { ...csat(3, 5), Detail: '[1,2]' },
          { ...csat(4, 5), Source: undefined },
          { ...csat(5, 5), EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/somewhere-else' },
          { ...csat(6, 5), EventBusName: undefined },
          csat(7, 5),
        ],
      }),
    );

    // Assess
    expect(out.FailedEntryCount).toBe(5);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'ResourceNotFoundException',
      'ResourceNotFoundException',
      'ok',
    ]);
    expect(out.Entries?.[3]?.ErrorMessage).toContain('Source');
    expect(
      t.targets.state('analytics').events.map((e) => (e.detail as { ticketId: number }).ticketId),
    ).toEqual([1, 7]);
  });

  it('refuses more than 10 entries and more than 256 KB with ValidationException', async () => {
    // Act
    const many = await rejection(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, i) => csat(i, 5)) })),
    );
    const big = await rejection(
      client.send(
        new PutEventsCommand({
          Entries: [{ ...csat(1, 5), Detail: JSON.stringify({ padding: 'x'.repeat(256 * 1024) }) }],
        }),
      ),
    );

    // Assess
    expect(many.name).toBe('ValidationException');
    expect(big.name).toBe('ValidationException');
    expect(t.targets.state('analytics').events).toEqual([]);
  });

  it('verifies SigV4 signatures: a wrong secret or an unknown key is refused, nothing recorded', async () => {
    // Prepare
    const wrongSecret = busClient(t.targets, {
      accessKeyId: CREDENTIALS.analyticsBus.accessKeyId,
      secretAccessKey: 'nope',
    });
    const unknownKey = busClient(t.targets, { accessKeyId: 'AKIDSOMEONEELSE', secretAccessKey: 'nope' });

    // Act
    const invalid = await rejection(wrongSecret.send(new PutEventsCommand({ Entries: [csat(1, 5)] })));
    const unrecognised = await rejection(unknownKey.send(new PutEventsCommand({ Entries: [csat(1, 5)] })));
    const unsigned = await fetch(t.targets.systems.analyticsBus, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({ Entries: [csat(1, 5)] }),
    });
    wrongSecret.destroy();
    unknownKey.destroy();

    // Assess
    expect(invalid.name).toBe('InvalidSignatureException');
    expect(unrecognised.name).toBe('UnrecognizedClientException');
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    expect(t.targets.state('analytics').events).toEqual([]);
  });

  it('accepts any SigV4-signed request when no bus credentials are configured', async () => {
    // Prepare
    const open = await startTestTargets({
      credentials: { helpdeskToken: 'a', crmToken: 'b', billingApiKey: 'c' },
    });
    const anyKey = busClient(open.targets, { accessKeyId: 'anything', secretAccessKey: 'anything' });
    try {
      // Act
      const out = await anyKey.send(
        new PutEventsCommand({ Entries: [{ ...csat(1, 5), EventBusName: open.targets.analyticsBusArn }] }),
      );

      // Assess
      expect(out.FailedEntryCount).toBe(0);
    } finally {
      anyKey.destroy();
      await open.close();
    }
  });

  it('answers operations other than PutEvents with UnknownOperationException', async () => {
    // Act
    const response = await fetch(t.targets.systems.analyticsBus, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListRules', authorization: 'x' },
      body: '{}',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
  });
});

describe('faults on the bus, as the SDK sees them', () => {
  it('down: the SDK fails with a connection reset', async () => {
    // Prepare
    t.targets.setFault('analytics', { mode: 'down' });

    // Act
    const error = await rejection(client.send(new PutEventsCommand({ Entries: [csat(1, 5)] })));

    // Assess
    expect(error.code ?? (error.cause as { code?: string } | undefined)?.code).toBe('ECONNRESET');
    expect(t.targets.state('analytics').events).toEqual([]);
  });

  it('error: the SDK throws the AWS error for the status', async () => {
    // Prepare
    t.targets.setFault('analytics', { mode: 'error', status: 500 });
    const throttled = async () => {
      t.targets.setFault('analytics', { mode: 'error', status: 429 });
      return rejection(client.send(new PutEventsCommand({ Entries: [csat(1, 5)] })));
    };

    // Act
    const internal = await rejection(client.send(new PutEventsCommand({ Entries: [csat(1, 5)] })));
    const throttling = await throttled();

    // Assess
    expect(internal.name).toBe('InternalException');
    expect(internal.$metadata).toMatchObject({ httpStatusCode: 500 });
    expect(throttling.name).toBe('ThrottlingException');
  });

  it("reaches handoff's EntryPutter (the EventBridge adapter's port) with the endpoint override", async () => {
    // Prepare
    const putter = eventBridgeEntryPutter({
      endpoint: t.targets.systems.analyticsBus,
      region: 'eu-west-1',
      credentials: CREDENTIALS.analyticsBus,
    });

    // Act
    const ok = await putter.putEntry(
      {
        busArn: t.targets.analyticsBusArn,
        source: 'handoff.csat',
        detailType: 'CSAT Recorded',
        detail: '{"score":5}',
      },
      AbortSignal.timeout(5000),
    );
    const wrongBus = await putter.putEntry(
      {
        busArn: 'arn:aws:events:us-east-1:000000000000:event-bus/typo',
        source: 's',
        detailType: 'd',
        detail: '{}',
      },
      AbortSignal.timeout(5000),
    );

    // Assess
    expect(ok).toEqual({});
    expect(wrongBus).toEqual({ errorCode: 'ResourceNotFoundException' });
    expect(t.targets.state('analytics').events.map((e) => e.detail)).toEqual([{ score: 5 }]);
  });
});
