import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readDeadLetter } from '../../lambdas/commons/dead-letters.js';
import { type LocalLayer, LocalLayerError, startLocalLayer } from '../../lib/local/layer.js';
import { EXAMPLE_CONTRACTS } from '../helpers/paths.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-layer-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let customer = 1000;
const nextCustomer = () => String(++customer);

function customerUpdated(customerId: string, version: number, extra: Record<string, unknown> = {}) {
  return {
    EventBusName: 'handoff-local',
    Source: 'handoff.crm',
    DetailType: 'Customer Updated',
    Detail: JSON.stringify({
      customerId,
      version,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      plan: 'business',
      status: 'active',
      accountManager: null,
      ...extra,
    }),
  };
}

function usageSummarised(customerId: string, periodEnd: string) {
  return {
    EventBusName: 'handoff-local',
    Source: 'handoff.product',
    DetailType: 'Usage Summarised',
    Detail: JSON.stringify({ customerId, activeUsers: 3, sessions: 10, periodEnd }),
  };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the local layer with the example contracts', () => {
  let layer: LocalLayer;
  let events: EventBridgeClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    // 600× time: Lambda's one- and two-minute retry waits take 0.1 and 0.2 seconds.
    layer = await startLocalLayer({
      contractsDir: EXAMPLE_CONTRACTS,
      dataDir: tempDir(),
      port: 0,
      timeScale: 600,
      targets: true,
    });
    events = new EventBridgeClient({ endpoint: layer.endpoints.events, region: 'us-east-1', credentials });
    sqs = new SQSClient({ endpoint: layer.endpoints.sqs, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    events.destroy();
    sqs.destroy();
    await layer.close();
  });
  afterEach(async () => {
    for (const system of ['helpdesk', 'crm', 'billing'] as const) {
      await fetch(`${layer.endpoints.targets}/_admin/faults/${system}`, { method: 'DELETE' });
    }
  });

  const helpdeskHolds = (customerId: string) =>
    layer.targets?.state('helpdesk').resources[`/api/v2/users/${customerId}`];

  it('routes each event by its contract pattern and answers PutEvents per entry', async () => {
    const id = nextCustomer();
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          customerUpdated(id, 1),
          customerUpdated(id, 2, { status: 'deleted' }), // the contract's filter excludes deleted customers
          { ...customerUpdated(id, 3), EventBusName: undefined }, // the default bus has no contract rules
          { Source: 'handoff.crm', DetailType: 'Customer Updated', Detail: '{not json' },
        ],
      }),
    );

    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[3]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    await until('delivery', () => helpdeskHolds(id));
    await layer.invoker.whenIdle();
    expect(helpdeskHolds(id)).toMatchObject({ version: 1 });
  });

  it("retries a critical contract on Lambda's schedule, then dead-letters a destination record", async () => {
    // Prepare: the helpdesk answers 503 to everything.
    await fetch(`${layer.endpoints.targets}/_admin/faults/helpdesk`, {
      method: 'PUT',
      body: JSON.stringify({ mode: 'error', status: 503 }),
    });
    const id = nextCustomer();

    // Act
    await events.send(new PutEventsCommand({ Entries: [customerUpdated(id, 1)] }));
    const letter = await until('a dead letter', async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: `${layer.endpoints.sqs}/000000000000/handoff-local-dlq-critical`,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 0,
        }),
      );
      return out.Messages?.find((m) => m.Body?.includes(`"customerId":"${id}"`));
    });

    // Assess: one run and two retries, then Lambda's on-failure destination record.
    const read = readDeadLetter(
      { messageId: letter.MessageId ?? '', body: letter.Body ?? '', attributes: {} },
      'handoff-local',
    );
    expect(read.summary).toMatchObject({
      source: 'lambda',
      contractId: 'crm-customer-to-helpdesk',
      failureClass: 'transient',
      attempts: 3,
      autoRedrivable: true,
    });
    expect(read.summary.reason).toContain('HTTP 503');
    const requests = layer.targets?.state('helpdesk').requests;
    expect(requests?.byStatus['503']).toBeGreaterThanOrEqual(3);
  });

  it('gives a best-effort contract no retries', async () => {
    await fetch(`${layer.endpoints.targets}/_admin/faults/crm`, {
      method: 'PUT',
      body: JSON.stringify({ mode: 'error', status: 500 }),
    });
    const id = nextCustomer();
    const before = layer.targets?.state('crm').requests.byStatus['500'] ?? 0;

    await events.send(new PutEventsCommand({ Entries: [usageSummarised(id, '2026-11-30T00:00:00Z')] }));
    const letter = await until('a best-effort dead letter', async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: `${layer.endpoints.sqs}/000000000000/handoff-local-dlq-best-effort`,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
      return out.Messages?.find((m) => m.Body?.includes(`"customerId":"${id}"`));
    });

    expect(JSON.parse(letter.Body ?? '{}')).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
    });
    expect((layer.targets?.state('crm').requests.byStatus['500'] ?? 0) - before).toBe(1);
  });

  it('sends a permanent failure straight to the queue with its class, and support sees it as failed', async () => {
    const id = nextCustomer();
    await events.send(new PutEventsCommand({ Entries: [customerUpdated(id, 1, { plan: 'platinum' })] }));

    const answer = await until('a failed state', async () => {
      const res = await fetch(`${layer.endpoints.statusApi}/entities/customer/${id}`);
      const body = (await res.json()) as {
        contracts: Array<{ contractId: string; state: string; nextAction: string }>;
      };
      return body.contracts.find((c) => c.contractId === 'crm-customer-to-helpdesk' && c.state === 'failed');
    });
    expect(answer.nextAction).toMatch(/will not be retried|rejected/i);
  });

  it.skipIf(!existsSync('/usr/bin/aws'))(
    'accepts events from the AWS CLI (aws events put-events --endpoint-url), as from AWS',
    async () => {
      // Prepare
      const id = nextCustomer();
      const entries = JSON.stringify([customerUpdated(id, 1)]);

      // Act
      const { stdout } = await promisify(execFile)(
        '/usr/bin/aws',
        [
          'events',
          'put-events',
          '--endpoint-url',
          layer.endpoints.events,
          '--region',
          'us-east-1',
          '--entries',
          entries,
          '--output',
          'json',
        ],
        {
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_PAGER: '' },
        },
      );

      // Assess
      expect(JSON.parse(stdout)).toMatchObject({
        FailedEntryCount: 0,
        Entries: [{ EventId: expect.any(String) }],
      });
      await until('delivery of the CLI event', () => helpdeskHolds(id));
    },
  );

  it('opens an incident when a tier alarm fires, with owner, runbook and next action', async () => {
    // The previous tests left dead letters in the critical queue: its alarm fires at one.
    const listed = await until(
      'an open incident',
      async () => {
        const res = await fetch(`${layer.endpoints.statusApi}/incidents?state=open`);
        const body = (await res.json()) as {
          incidents: Array<{ id: string; failureMode: string; tier: string }>;
        };
        return body.incidents.find((i) => i.failureMode === 'dead-letters' && i.tier === 'critical');
      },
      20_000,
    );
    const res = await fetch(`${layer.endpoints.statusApi}/incidents/${encodeURIComponent(listed.id)}`);
    const incident = (await res.json()) as Record<string, unknown>;
    expect(incident).toMatchObject({
      state: 'open',
      severity: 'page',
      owner: expect.objectContaining({ name: 'Integration Platform' }),
    });
    expect(JSON.stringify(incident)).toContain('./bin/handoff dlq');
    expect(JSON.stringify(incident)).toContain('/runbooks/dead-letters.md');
  });

  it('reports how busy its threads are: the main event loop and the embedded DynamoDB', async () => {
    // Prepare
    const before = layer.stats().runtime;
    const id = nextCustomer();

    // Act: one delivery reads and writes the sync state in the embedded DynamoDB.
    await events.send(new PutEventsCommand({ Entries: [customerUpdated(id, 1)] }));
    await until('delivery', () => helpdeskHolds(id));
    const after = (await (await fetch(`${layer.endpoints.events}/_admin/stats`)).json()) as ReturnType<
      LocalLayer['stats']
    >;

    // Assess
    expect(after.runtime?.main.activeMs).toBeGreaterThan(before?.main.activeMs ?? Number.POSITIVE_INFINITY);
    expect(after.runtime?.dynamodb?.activeMs).toBeGreaterThan(
      before?.dynamodb?.activeMs ?? Number.POSITIVE_INFINITY,
    );
  });

  it('refuses a data folder another layer is using, naming what holds it', async () => {
    // Act
    const second = await startLocalLayer({
      contractsDir: EXAMPLE_CONTRACTS,
      dataDir: layer.dataDir,
      port: 0,
      targets: false,
    }).catch((error: unknown) => error);

    // Assess: a user error (no stack trace in the CLI), and the first layer still answers.
    expect(second).toBeInstanceOf(LocalLayerError);
    expect((second as Error).message).toMatch(
      /^the embedded DynamoDB could not start in .*dynamodb: .*lock.*\(is another local layer using this data folder\?\)$/,
    );
    expect((await fetch(`${layer.endpoints.events}/_admin/stats`)).status).toBe(200);
  });
});

describe('durability across restarts', () => {
  it('resumes events that were still being retried when the layer stopped', async () => {
    // Prepare: a layer whose helpdesk is down, with an event accepted and retrying.
    const dataDir = tempDir();
    const first = await startLocalLayer({
      contractsDir: EXAMPLE_CONTRACTS,
      dataDir,
      port: 0,
      timeScale: 60,
      targets: true,
    });
    await fetch(`${first.endpoints.targets}/_admin/faults/helpdesk`, {
      method: 'PUT',
      body: JSON.stringify({ mode: 'down' }),
    });
    const events = new EventBridgeClient({
      endpoint: first.endpoints.events,
      region: 'us-east-1',
      credentials,
    });
    const id = nextCustomer();
    await events.send(new PutEventsCommand({ Entries: [customerUpdated(id, 5)] }));
    await until('a first failed attempt', () => first.invoker.retrying() > 0 || undefined);
    await first.close();
    events.destroy();

    // Act: start again on the same data, with the helpdesk back.
    const second = await startLocalLayer({
      contractsDir: EXAMPLE_CONTRACTS,
      dataDir,
      port: 0,
      timeScale: 60,
      targets: true,
    });
    try {
      await fetch(`${second.endpoints.targets}/_admin/faults/helpdesk`, { method: 'DELETE' });

      // Assess: the retry happens after the restart and the change arrives.
      const held = await until(
        'the resumed delivery',
        () => second.targets?.state('helpdesk').resources[`/api/v2/users/${id}`],
      );
      expect(held).toMatchObject({ version: 5 });
    } finally {
      await second.close();
    }
  });
});
