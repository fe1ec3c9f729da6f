import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimRecord, decide, failureRecord, SyncStateStore } from '../../lambdas/sync/state.js';
import { type Clock, listDeadLetters, redriveDeadLetters, showDeadLetter } from '../../lib/dlq/index.js';
import { sdkDeadLetterQueue, sdkEventBus } from '../../lib/dlq/sdk.js';
import { extractEntity } from '../../lib/model/entity.js';
import type { ContractPlan, Plan } from '../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../helpers/dynamo.js';
import { examplePlan } from '../helpers/estate.js';
import { type BusEvent, startBus, type TestBus } from './support/bus.js';
import {
  customerUpdated,
  eventBridgeAttributes,
  permanentFailure,
  retriesExhausted,
} from './support/dead-letters.js';
import { startQueues, type TestQueues } from './support/queues.js';

const CUSTOMER = 'crm-customer-to-helpdesk';
const SUBSCRIPTION = 'billing-subscription-to-helpdesk';

let plan: Plan;
let queues: TestQueues;
let bus: TestBus;
/** Events the bus delivered, in order (a rule target's view). */
let delivered: BusEvent[];

/** A clock whose sleeps pass at once and are recorded. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = Date.parse('2026-11-30T14:00:00Z');
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function options() {
  return {
    sqs: sdkDeadLetterQueue(queues.sqs),
    queueUrl: queues.urls.critical,
    prefix: plan.prefix,
    contracts: plan.contracts,
    waitSeconds: 0,
  };
}

/** Seeds the critical queue with one dead letter of each writer, plus one nobody can read. */
async function seedCritical() {
  const transient = customerUpdated('42', 7);
  const delivery = {
    ...customerUpdated('77', 3),
    source: 'handoff.billing',
    'detail-type': 'Subscription Changed',
  };
  const rejected = customerUpdated('43', 2);
  const permanent = permanentFailure(rejected, CUSTOMER, `handoff-dev-${CUSTOMER}`);
  const ids = {
    transient: await queues.send('critical', retriesExhausted(transient, `handoff-dev-${CUSTOMER}`)),
    delivery: await queues.send(
      'critical',
      delivery,
      eventBridgeAttributes('handoff-dev', `handoff-dev-${SUBSCRIPTION}`),
    ),
    permanent: await queues.send('critical', permanent.body, permanent.attributes),
    unreadable: await queues.send('critical', 'not json'),
  };
  return { ids, events: { transient, delivery, rejected } };
}

beforeAll(() => {
  plan = examplePlan();
});
beforeEach(async () => {
  queues = await startQueues(plan);
  delivered = [];
  bus = startBus((event) => {
    delivered.push(event);
  });
});
afterEach(async () => queues.close());

describe('listing dead letters', () => {
  it('summarises all three kinds support-safely and leaves every message visible', async () => {
    // Prepare
    const { ids } = await seedCritical();

    // Act
    const listing = await listDeadLetters(options());

    // Assess
    expect(listing).toMatchObject({ approximateCount: 4, scanned: 4, complete: true, releaseFailures: 0 });
    const byId = new Map(listing.deadLetters.map((d) => [d.messageId, d]));
    expect(byId.get(ids.transient)).toMatchObject({
      source: 'lambda',
      contractId: CUSTOMER,
      entity: { type: 'customer', id: '42' },
      failureClass: 'transient',
      attempts: 3,
      reason: 'TransientSyncError: the target answered 503',
      autoRedrivable: true,
    });
    expect(byId.get(ids.delivery)).toMatchObject({
      source: 'eventbridge',
      contractId: SUBSCRIPTION,
      failureClass: 'delivery',
      reason: 'SDK_CLIENT_ERROR: Unable to invoke Lambda function: rate exceeded',
    });
    expect(byId.get(ids.permanent)).toMatchObject({
      source: 'handler',
      entity: { type: 'customer', id: '43' },
      failureClass: 'permanent',
      autoRedrivable: false,
    });
    expect(byId.get(ids.unreadable)).toMatchObject({
      reason: 'unreadable message body',
      autoRedrivable: false,
    });
    expect(JSON.stringify(listing)).not.toContain('ada@example.com');
    expect(queues.stats('critical')).toEqual({ visible: 4, inFlight: 0 });
  });

  it('filters by contract and failure class', async () => {
    // Prepare
    await seedCritical();

    // Act
    const contract = await listDeadLetters({ ...options(), filter: { contractId: CUSTOMER } });
    const permanent = await listDeadLetters({ ...options(), filter: { failureClasses: ['permanent'] } });

    // Assess
    expect(contract.deadLetters.map((d) => d.entity?.id).sort()).toEqual(['42', '43']);
    expect(permanent.deadLetters.map((d) => d.failureClass)).toEqual(['permanent']);
  });

  it('stops at the limit, says it is incomplete, and still releases what it held', async () => {
    // Prepare
    for (let n = 0; n < 25; n++)
      await queues.send('critical', retriesExhausted(customerUpdated(`c${n}`, 1), `handoff-dev-${CUSTOMER}`));

    // Act
    const listing = await listDeadLetters({ ...options(), limit: 12 });

    // Assess
    expect(listing.deadLetters).toHaveLength(12);
    expect(listing).toMatchObject({ end: 'limit', complete: false, approximateCount: 25 });
    expect(queues.stats('critical')).toEqual({ visible: 25, inFlight: 0 });
  });

  it('shows one dead letter with the event envelope but never its detail', async () => {
    // Prepare
    const { ids, events } = await seedCritical();

    // Act
    const shown = await showDeadLetter({ ...options(), messageId: ids.transient });
    const missing = await showDeadLetter({ ...options(), messageId: 'no-such-message' });

    // Assess
    expect(shown.deadLetter?.event).toEqual({
      id: events.transient.id,
      source: 'handoff.crm',
      detailType: 'Customer Updated',
      time: '2026-11-30T12:00:00Z',
    });
    expect(JSON.stringify(shown)).not.toMatch(/Ada Lovelace|ada@example.com/);
    expect(missing.deadLetter).toBeUndefined();
    expect(missing.scanned).toBe(4);
    expect(queues.stats('critical')).toEqual({ visible: 4, inFlight: 0 });
  });
});

describe('redriving dead letters', () => {
  it('puts the original event on the bus, then deletes the message; other contracts stay', async () => {
    // Prepare
    const { ids, events } = await seedCritical();
    const order: string[] = [];
    queues.sqs.middlewareStack.add(
      (next, ctx) => async (args) => {
        if (ctx.commandName === 'DeleteMessageCommand') order.push('delete');
        return next(args);
      },
      { step: 'initialize', name: 'order' },
    );
    const putOrder = startBus(() => {
      order.push('put');
    });

    // Act
    const result = await redriveDeadLetters({
      ...options(),
      events: sdkEventBus(putOrder.events),
      busName: 'handoff-dev',
      filter: { contractId: CUSTOMER, failureClasses: ['transient'] },
      clock: fakeClock(),
    });

    // Assess
    expect(result.counts).toEqual({ scanned: 4, matched: 1, redriven: 1, skipped: 0, failed: 0 });
    expect(result.outcomes).toEqual([
      {
        messageId: ids.transient,
        contractId: CUSTOMER,
        entity: { type: 'customer', id: '42' },
        failureClass: 'transient',
        outcome: 'redriven',
      },
    ]);
    expect(order).toEqual(['put', 'delete']);
    expect(putOrder.entries).toEqual([
      {
        EventBusName: 'handoff-dev',
        Source: 'handoff.crm',
        DetailType: 'Customer Updated',
        Detail: JSON.stringify(events.transient.detail),
        Time: new Date('2026-11-30T12:00:00Z'),
      },
    ]);
    expect(queues.stats('critical')).toEqual({ visible: 3, inFlight: 0 });
  });

  it('never redrives permanent or unreadable dead letters when only auto-redrivable ones are asked for', async () => {
    // Prepare
    await seedCritical();

    // Act
    const result = await redriveDeadLetters({
      ...options(),
      events: sdkEventBus(bus.events),
      busName: 'handoff-dev',
      filter: { onlyAutoRedrivable: true },
      clock: fakeClock(),
    });

    // Assess
    expect(result.outcomes.map((o) => [o.failureClass, o.outcome]).sort()).toEqual([
      ['delivery', 'redriven'],
      ['transient', 'redriven'],
    ]);
    expect(delivered.map((e) => e['detail-type']).sort()).toEqual([
      'Customer Updated',
      'Subscription Changed',
    ]);
    expect(queues.stats('critical')).toEqual({ visible: 2, inFlight: 0 });
  });

  it('changes nothing in a dry run', async () => {
    // Prepare
    await seedCritical();

    // Act
    const result = await redriveDeadLetters({
      ...options(),
      events: sdkEventBus(bus.events),
      busName: 'handoff-dev',
      dryRun: true,
      clock: fakeClock(),
    });

    // Assess
    expect(result.outcomes.map((o) => o.outcome).sort()).toEqual([
      'skipped',
      'would-redrive',
      'would-redrive',
      'would-redrive',
    ]);
    expect(result.outcomes.find((o) => o.outcome === 'skipped')?.reason).toBe(
      'the message holds no readable event',
    );
    expect(bus.calls()).toBe(0);
    expect(queues.stats('critical')).toEqual({ visible: 4, inFlight: 0 });
  });

  it('keeps a message whose event the bus rejected, and stops when the bus refuses the request', async () => {
    // Prepare
    await seedCritical();
    bus.rejectNextEntries('ThrottlingException', 1);

    // Act
    const rejected = await redriveDeadLetters({
      ...options(),
      events: sdkEventBus(bus.events),
      busName: 'handoff-dev',
      filter: { contractId: CUSTOMER, failureClasses: ['transient'] },
      clock: fakeClock(),
    });
    bus.failNextCall(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const refused = await redriveDeadLetters({
      ...options(),
      events: sdkEventBus(bus.events),
      busName: 'handoff-dev',
      filter: { onlyAutoRedrivable: true },
      ratePerSecond: 1,
      clock: fakeClock(),
    });

    // Assess
    expect(rejected.counts).toMatchObject({ matched: 1, redriven: 0, failed: 1 });
    expect(rejected.outcomes[0]?.reason).toBe('the bus rejected the event: ThrottlingException (injected)');
    expect(refused.abortedBecause).toBe('the bus refused the put: AccessDeniedException');
    expect(refused.counts.redriven).toBe(0);
    expect(queues.stats('critical')).toEqual({ visible: 4, inFlight: 0 });
  });

  it('paces puts to the rate: 4 events at 2 per second wait one second between pairs', async () => {
    // Prepare
    for (let n = 0; n < 4; n++)
      await queues.send('critical', retriesExhausted(customerUpdated(`c${n}`, 1), `handoff-dev-${CUSTOMER}`));
    const clock = fakeClock();

    // Act
    const result = await redriveDeadLetters({
      ...options(),
      events: sdkEventBus(bus.events),
      busName: 'handoff-dev',
      ratePerSecond: 2,
      clock,
    });

    // Assess
    expect(result.counts.redriven).toBe(4);
    expect(bus.calls()).toBe(2);
    expect(clock.sleeps).toEqual([1000]);
  });
});

describe('redrive survives a crash between put and delete', () => {
  let dynamo: TestDynamo;
  let contract: ContractPlan;
  /** Versions the target received, per customer. */
  let target: Array<{ customerId: string; version: number }>;
  let state: SyncStateStore;

  /** A stand-in for the sync handler's idempotency: the real decision rule and records (lambdas/sync/state). */
  async function syncHandler(event: BusEvent): Promise<void> {
    const entity = extractEntity(contract.entity, event);
    const key = { contractId: contract.id, entityType: entity.type, entityId: entity.id };
    const record = await state.read(key);
    const now = Date.parse('2026-11-30T14:00:00Z');
    if (decide(record, { id: event.id, version: entity.version }, now).action !== 'proceed') return;
    await state.write(
      claimRecord(record, key, {
        version: entity.version,
        eventId: event.id,
        requestId: 'r',
        now: new Date(now),
        leaseUntil: 0,
      }),
      record?.rev,
    );
    target.push({ customerId: entity.id, version: entity.version });
  }

  beforeAll(async () => {
    dynamo = await startDynamo(plan.tables);
    contract = plan.contracts.find((c) => c.id === CUSTOMER) as ContractPlan;
    state = new SyncStateStore(dynamo.doc, plan.tables.syncState.name);
  });
  afterAll(async () => dynamo.close());

  it('loses nothing and applies the version once', async () => {
    // Prepare: customer 42's version 7 failed transiently until its retries ran out.
    target = [];
    const event = customerUpdated('42', 7);
    const key = { contractId: CUSTOMER, entityType: 'customer', entityId: '42' };
    await state.write(
      failureRecord(undefined, undefined, key, {
        version: 7,
        eventId: event.id,
        requestId: 'r0',
        now: new Date('2026-11-30T12:00:00Z'),
        failureClass: 'transient',
        reason: 'the target answered 503',
        deadLettered: true,
      }),
      undefined,
    );
    await queues.send('critical', retriesExhausted(event, `handoff-dev-${CUSTOMER}`));
    const wired = startBus((e) => syncHandler(e));
    queues.failNext('DeleteMessage', Object.assign(new Error('connection reset'), { name: 'TimeoutError' }));
    const redrive = () =>
      redriveDeadLetters({
        ...options(),
        events: sdkEventBus(wired.events),
        busName: 'handoff-dev',
        filter: { contractId: CUSTOMER },
        clock: fakeClock(),
      });

    // Act
    const first = await redrive();
    const afterFirst = queues.stats('critical');
    const second = await redrive();

    // Assess
    expect(first.counts).toMatchObject({ matched: 1, redriven: 0, failed: 1 });
    expect(first.outcomes[0]?.reason).toMatch(/^put on the bus, but not deleted \(TimeoutError\)/);
    expect(afterFirst).toEqual({ visible: 1, inFlight: 0 });
    expect(second.counts).toMatchObject({ matched: 1, redriven: 1, failed: 0 });
    expect(queues.stats('critical')).toEqual({ visible: 0, inFlight: 0 });
    // The same event went on the bus twice; the handler applied it once and skipped the repeat.
    expect(wired.entries).toHaveLength(2);
    expect(wired.entries[1]).toEqual(wired.entries[0]);
    expect(target).toEqual([{ customerId: '42', version: 7 }]);
    expect(await state.read(key)).toMatchObject({ state: 'in_sync', version: 7, syncedVersion: 7 });
  });
});
