import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sqsDeadLetterQueue } from '../../lambdas/redrive/clients.js';
import { createRedriveHandler } from '../../lambdas/redrive/handler.js';
import type { Clock } from '../../lib/dlq/index.js';
import { sdkEventBus } from '../../lib/dlq/sdk.js';
import { RECOVERY_EVENT } from '../../lib/plan/constants.js';
import { type RuntimePlan, runtimePlanFor } from '../../lib/plan/runtime.js';
import type { Plan } from '../../lib/plan/types.js';
import { examplePlan } from '../helpers/estate.js';
import { type BusEvent, startBus, type TestBus } from './support/bus.js';
import {
  customerUpdated,
  eventBridgeAttributes,
  permanentFailure,
  retriesExhausted,
} from './support/dead-letters.js';
import { capturedLogger, lambdaContext } from './support/lambda.js';
import { startQueues, type TestQueues } from './support/queues.js';

const CUSTOMER = 'crm-customer-to-helpdesk';

/** The event the sync handler puts on the bus when a degraded contract's target succeeds again. */
function recovered(contractId: string, tier: string) {
  return {
    version: '0',
    id: randomUUID(),
    source: RECOVERY_EVENT.source,
    'detail-type': RECOVERY_EVENT.detailType,
    account: '123456789012',
    time: '2026-11-30T13:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      contractId,
      tier,
      degradedSince: '2026-11-30T12:10:00.000Z',
      recoveredAt: '2026-11-30T13:00:00.000Z',
    },
  };
}

const clock: Clock = { now: () => 0, sleep: async () => {} };

let plan: Plan;
let runtime: RuntimePlan;
let queues: TestQueues;
let bus: TestBus;
let delivered: BusEvent[];

function handler() {
  const { logger, lines } = capturedLogger();
  return {
    lines,
    run: createRedriveHandler({
      // The function's own lean SQS client against the real local queues; the bus is the SDK mock.
      sqs: sqsDeadLetterQueue({
        endpoint: queues.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        env: {},
      }),
      events: sdkEventBus(bus.events),
      plan: runtime,
      queueUrls: queues.urls,
      logger,
      clock,
    }),
  };
}

beforeAll(() => {
  plan = examplePlan();
  runtime = runtimePlanFor(plan, { kind: 'redrive' });
});
beforeEach(async () => {
  queues = await startQueues(plan);
  delivered = [];
  bus = startBus((event) => {
    delivered.push(event);
  });
  // The critical queue: two transient dead letters of the recovered contract, one permanent one,
  // and another contract's delivery failure.
  await queues.send('critical', retriesExhausted(customerUpdated('42', 7), `handoff-dev-${CUSTOMER}`));
  await queues.send('critical', retriesExhausted(customerUpdated('44', 2), `handoff-dev-${CUSTOMER}`));
  const permanent = permanentFailure(customerUpdated('43', 5), CUSTOMER, `handoff-dev-${CUSTOMER}`);
  await queues.send('critical', permanent.body, permanent.attributes);
  await queues.send(
    'critical',
    { ...customerUpdated('9', 1), source: 'handoff.billing', 'detail-type': 'Subscription Changed' },
    eventBridgeAttributes('handoff-dev', 'handoff-dev-billing-subscription-to-helpdesk'),
  );
});
afterEach(async () => queues.close());

describe('auto-redrive on recovery', () => {
  it("redrives the recovered contract's transient dead letters only; permanent ones and other contracts stay", async () => {
    // Prepare
    const { run, lines } = handler();

    // Act
    const outcome = await run(recovered(CUSTOMER, 'critical'), lambdaContext('handoff-dev-platform-redrive'));

    // Assess
    expect(outcome).toMatchObject({ action: 'redriven', contractId: CUSTOMER, tier: 'critical' });
    expect(outcome.action === 'redriven' && outcome.result.counts).toEqual({
      scanned: 4,
      matched: 2,
      redriven: 2,
      skipped: 0,
      failed: 0,
    });
    expect(delivered.map((e) => (e.detail as { customerId: string }).customerId).sort()).toEqual([
      '42',
      '44',
    ]);
    expect(queues.stats('critical')).toEqual({ visible: 2, inFlight: 0 });
    expect(lines.find((l) => l.message === 'auto-redrive finished')).toMatchObject({
      contractId: CUSTOMER,
      counts: { redriven: 2, failed: 0 },
    });
  });

  it('does nothing for a tier whose policy has no auto-redrive, or a contract not in the plan', async () => {
    // Prepare
    const { run } = handler();
    await queues.send(
      'best-effort',
      retriesExhausted(customerUpdated('1', 1), 'handoff-dev-product-usage-to-crm'),
    );

    // Act
    const bestEffort = await run(recovered('product-usage-to-crm', 'best-effort'), lambdaContext('redrive'));
    const unknown = await run(recovered('retired-contract', 'critical'), lambdaContext('redrive'));
    const malformed = await run({ source: 'handoff.platform', detail: {} }, lambdaContext('redrive'));

    // Assess
    expect(bestEffort).toEqual({
      action: 'not-enabled',
      contractId: 'product-usage-to-crm',
      tier: 'best-effort',
    });
    expect(unknown).toEqual({ action: 'ignored', reason: 'the contract is not in the plan' });
    expect(malformed).toMatchObject({ action: 'ignored' });
    expect(bus.calls()).toBe(0);
    expect(queues.stats('best-effort')).toEqual({ visible: 1, inFlight: 0 });
    expect(queues.stats('critical')).toEqual({ visible: 4, inFlight: 0 });
  });

  it('fails the invocation (so Lambda retries) when a dead letter could not be redriven, keeping it', async () => {
    // Prepare
    const { run } = handler();
    bus.rejectNextEntries('InternalException', 1);

    // Act
    const error = await run(recovered(CUSTOMER, 'critical'), lambdaContext('redrive')).catch((e: Error) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('RedriveIncompleteError');
    expect((error as Error).message).toBe(`1 of 2 dead letters of ${CUSTOMER} were not redriven`);
    expect(queues.stats('critical')).toEqual({ visible: 3, inFlight: 0 });
  });

  it('stops before its timeout and leaves the rest for later', async () => {
    // Prepare
    const { run, lines } = handler();

    // Act
    const outcome = await run(recovered(CUSTOMER, 'critical'), lambdaContext('redrive', 10_000));

    // Assess
    expect(outcome.action === 'redriven' && outcome.result).toMatchObject({
      end: 'stopped',
      complete: false,
    });
    expect(bus.calls()).toBe(0);
    expect(queues.stats('critical')).toEqual({ visible: 4, inFlight: 0 });
    expect(lines.find((l) => l.message === 'auto-redrive stopped before the end of the queue')).toMatchObject(
      {
        command: `./bin/handoff dlq redrive --stage dev --tier critical --contract ${CUSTOMER}`,
      },
    );
  });
});
