import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookBus } from '../../lambdas/webhook/bus.js';
import { deliveryKey, STALE_CLAIM_MS } from '../../lambdas/webhook/deliveries.js';
import { signWebhookRequest } from '../../lib/cli/webhook.js';
import type { Plan, WebhookPlan } from '../../lib/plan/types.js';
import { startDynamo, type TestDynamo } from '../helpers/dynamo.js';
import { examplePlan } from '../helpers/estate.js';
import {
  type Answer,
  memorySecrets,
  type Receiver,
  receiver,
  startBus,
  type TestBus,
  webhookEvent,
} from './support.js';

/** Appears in every body; no answer and no log line may contain it. */
const MARKER = 'PERSONAL-DATA-MARKER';
const T0 = new Date('2026-11-30T10:00:00Z');

const SECRETS = {
  'handoff/helpdesk/webhook-secret': 'helpdesk-current-secret',
  'handoff/helpdesk/webhook-secret-next': 'helpdesk-next-secret',
  'handoff/billing/webhook-secret': 'whsec_billingCurrentSecret',
  'handoff/billing/webhook-secret-next': 'whsec_billingNextSecret',
  'handoff/product/webhook-secret': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'handoff/product/webhook-secret-next': 'whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdA==',
} as const;

let plan: Plan;
let dynamo: TestDynamo;
let bus: TestBus;
let now: Date;
const answers: Answer[] = [];
const receivers: Receiver[] = [];

function webhookOf(systemId: string): WebhookPlan {
  const webhook = plan.webhooks.find((w) => w.systemId === systemId);
  if (!webhook) throw new Error(`no webhook for ${systemId}`);
  return webhook;
}

/** A receiver for a system, optionally with a changed webhook (rotation, limits) or bus. */
function receiverFor(
  systemId: string,
  options: { webhook?: Partial<WebhookPlan>; bus?: WebhookBus; secrets?: Record<string, string> } = {},
) {
  const r = receiver({
    plan,
    webhook: { ...webhookOf(systemId), ...options.webhook },
    dynamo,
    bus: options.bus ?? bus,
    secrets: memorySecrets(options.secrets ?? SECRETS),
    clock: () => now,
  });
  receivers.push(r);
  const invoke = r.invoke.bind(r);
  r.invoke = async (event, remainingMs) => {
    const answer = await invoke(event, remainingMs);
    answers.push(answer);
    return answer;
  };
  return r;
}

/** A body the system would send, with a unique delivery id. */
function bodyFor(systemId: string, id: string, overrides: Record<string, unknown> = {}): Buffer {
  const at = now.toISOString();
  const bodies: Record<string, Record<string, unknown>> = {
    helpdesk: {
      type: 'ticket.solved',
      occurred_at: at,
      data: {
        ticketId: 9001,
        customerId: '42',
        subject: `${MARKER} cannot export`,
        priority: 'urgent',
        solvedAt: at,
      },
    },
    billing: {
      id,
      type: 'customer.subscription.updated',
      created_at: Math.floor(now.getTime() / 1000),
      data: {
        object: {
          customerId: '42',
          subscriptionId: 'sub_1',
          plan: 'business',
          status: 'active',
          seats: 25,
          renewsAt: null,
          updatedAt: at,
          note: MARKER,
        },
      },
    },
    product: {
      type: 'usage.summarised',
      timestamp: at,
      data: { customerId: '42', activeUsers: 3, sessions: 10, periodEnd: at, note: MARKER },
    },
  };
  return Buffer.from(JSON.stringify({ ...bodies[systemId], ...overrides }), 'utf8');
}

/** A signed delivery: body, headers and its id (header-borne or in the body). */
function delivery(
  systemId: string,
  options: { secret?: string; id?: string; body?: Buffer; signedAt?: Date } = {},
) {
  const webhook = webhookOf(systemId);
  const id = options.id ?? `${systemId === 'product' ? 'msg' : 'evt'}_${randomUUID().replace(/-/g, '')}`;
  const body = options.body ?? bodyFor(systemId, id);
  const secretName = webhook.secrets[0];
  const secret =
    options.secret ??
    (typeof secretName === 'object' && 'secret' in secretName
      ? SECRETS[secretName.secret as keyof typeof SECRETS]
      : '');
  const { headers } = signWebhookRequest({
    webhook,
    secret,
    body,
    ...(systemId === 'billing' ? {} : { id }),
    timestamp: options.signedAt ?? now,
  });
  return { id, body, headers };
}

beforeAll(async () => {
  plan = examplePlan();
  dynamo = await startDynamo(plan.tables);
  bus = await startBus(plan.bus.name);
});
afterEach(() => {
  // Assess (every test): nothing the sender sent is echoed in an answer or written to a log.
  for (const answer of answers.splice(0)) expect(answer.raw).not.toContain(MARKER);
  for (const r of receivers.splice(0)) for (const line of r.logs) expect(line).not.toContain(MARKER);
});
afterAll(async () => {
  await bus.close();
  await dynamo.close();
});
beforeEach(() => {
  now = T0;
});

describe.each(['helpdesk', 'billing', 'product'])('a %s delivery', (systemId) => {
  it('is verified, put on the bus as the contract declares, and answered 202 with the event id', async () => {
    // Prepare
    const r = receiverFor(systemId);
    const d = delivery(systemId);
    const before = bus.events.length;

    // Act
    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ status: 'accepted', eventId: expect.any(String) });
    const put = bus.events.slice(before);
    expect(put).toHaveLength(1);
    const webhook = webhookOf(systemId);
    const parsed = JSON.parse(d.body.toString('utf8')) as Record<string, unknown>;
    expect(put[0]).toMatchObject({
      id: answer.body.eventId,
      source: webhook.event.source,
      'detail-type': webhook.event.detailTypes?.[parsed.type as string],
      time: '2026-11-30T10:00:00Z',
    });
    const expectedDetail =
      systemId === 'billing' ? (parsed.data as { object: unknown }).object : (parsed.data as unknown);
    expect(put[0]?.detail).toEqual(expectedDetail);
    expect(r.count('accepted')).toBe(1);
    const record = await dynamo.doc.get({
      TableName: plan.tables.operations.name,
      Key: deliveryKey(systemId, d.id),
    });
    expect(record.Item).toMatchObject({
      state: 'put',
      eventId: answer.body.eventId,
      expiresAt: Math.floor(T0.getTime() / 1000) + 7 * 86_400,
    });
  });

  it('signed with a wrong secret is refused with 401 and nothing is put', async () => {
    const r = receiverFor(systemId);
    const d = delivery(systemId, { secret: 'whsec_c29tZW9uZS1lbHNlcy1zZWNyZXQtMTIzNDU2' });
    const before = bus.requests;

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: { code: 'signature' } });
    expect(bus.requests).toBe(before);
    expect(r.count('rejected', 'signature')).toBe(1);
    expect(r.count('accepted')).toBe(0);
  });

  it('with a body changed after signing is refused with 401', async () => {
    const r = receiverFor(systemId);
    const d = delivery(systemId);
    const tampered = Buffer.from(d.body.toString('utf8').replace('"42"', '"43"'), 'utf8');

    const answer = await r.invoke(webhookEvent({ body: tampered, headers: d.headers }));

    expect(answer.status).toBe(401);
    expect(r.count('rejected', 'signature')).toBe(1);
  });

  it('delivered twice is put once: the replay is answered 200 duplicate', async () => {
    const r = receiverFor(systemId);
    const d = delivery(systemId);
    const event = webhookEvent({ body: d.body, headers: d.headers });
    const before = bus.events.length;

    const first = await r.invoke(event);
    now = new Date(T0.getTime() + 60_000); // a minute later, within the signature's tolerance
    const replay = await r.invoke(event);

    expect(first.status).toBe(202);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ status: 'duplicate', eventId: first.body.eventId });
    expect(bus.events.length - before).toBe(1);
    expect(r.count('accepted')).toBe(1);
    expect(r.count('duplicate')).toBe(1);
  });

  it('while rotating, accepts deliveries signed with the old and with the new secret', async () => {
    const current = webhookOf(systemId).secrets[0];
    const name = typeof current === 'object' && 'secret' in current ? current.secret : '';
    const r = receiverFor(systemId, { webhook: { secrets: [{ secret: name }, { secret: `${name}-next` }] } });
    const byOld = delivery(systemId);
    const byNew = delivery(systemId, { secret: SECRETS[`${name}-next` as keyof typeof SECRETS] });

    const answers = [
      await r.invoke(webhookEvent({ body: byOld.body, headers: byOld.headers })),
      await r.invoke(webhookEvent({ body: byNew.body, headers: byNew.headers })),
    ];

    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    expect(r.count('accepted')).toBe(2);
  });
});

describe.each(['billing', 'product'])('a %s delivery (timestamped scheme)', (systemId) => {
  it.each([
    ['expired', -301_000],
    ['from the future', 301_000],
  ])('signed with a timestamp %s is refused with 401', async (_what, offsetMs) => {
    const r = receiverFor(systemId);
    const d = delivery(systemId, { signedAt: new Date(T0.getTime() + offsetMs) });

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      error: { code: 'signature', message: expect.stringMatching(/tolerance|accepted/) },
    });
    expect(r.count('rejected', 'signature')).toBe(1);
  });

  it('replayed after the tolerance is refused as expired, before the delivery record is consulted', async () => {
    const r = receiverFor(systemId);
    const d = delivery(systemId);
    const event = webhookEvent({ body: d.body, headers: d.headers });
    await r.invoke(event);
    now = new Date(T0.getTime() + 10 * 60_000);

    const replay = await r.invoke(event);

    expect(replay.status).toBe(401);
    expect(r.count('duplicate')).toBe(0);
  });
});

describe('requests the receiver refuses', () => {
  it('answers 400 malformed for a signed body that is not JSON', async () => {
    const r = receiverFor('helpdesk');
    const d = delivery('helpdesk', { body: Buffer.from(`{"type": "ticket.solved", "data": "${MARKER}"`) });

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'malformed' } });
    expect(r.count('rejected', 'malformed')).toBe(1);
  });

  it('answers 400 naming the contract expression when the delivery id is missing', async () => {
    const r = receiverFor('helpdesk');
    const d = delivery('helpdesk');
    const headers = { ...d.headers };
    delete headers['x-helpdesk-delivery-id'];

    const answer = await r.invoke(webhookEvent({ body: d.body, headers }));

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: { code: 'malformed', message: expect.stringContaining('headers."x-helpdesk-delivery-id"') },
    });
  });

  it('answers 400 when the detail is not an object and when the time is unreadable', async () => {
    const r = receiverFor('helpdesk');
    const noDetail = delivery('helpdesk', { body: bodyFor('helpdesk', 'x', { data: [MARKER] }) });
    const badTime = delivery('helpdesk', { body: bodyFor('helpdesk', 'x', { occurred_at: 'yesterday' }) });

    const answers = [
      await r.invoke(webhookEvent({ body: noDetail.body, headers: noDetail.headers })),
      await r.invoke(webhookEvent({ body: badTime.body, headers: badTime.headers })),
    ];

    expect(answers.map((a) => [a.status, (a.body.error as { message: string }).message])).toEqual([
      [400, expect.stringContaining('body.data')],
      [400, expect.stringContaining('body.occurred_at')],
    ]);
    expect(r.count('rejected', 'malformed')).toBe(2);
  });

  it('answers 422 unknown-type for a signed event type the contract does not map, and puts nothing', async () => {
    const r = receiverFor('helpdesk');
    const d = delivery('helpdesk', { body: bodyFor('helpdesk', 'x', { type: 'ticket.deleted' }) });
    const before = bus.requests;

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: { code: 'unknown-type' } });
    expect(bus.requests).toBe(before);
    expect(r.count('rejected', 'unknown-type')).toBe(1);
    expect(r.logs.some((l) => l.includes('"providerType":"ticket.deleted"'))).toBe(true);
  });

  it('answers 413 for a body over the limit before reading secrets, the signature or the JSON', async () => {
    // Prepare: unsigned, not JSON, one byte over a 1 KB limit; the secrets store counts reads.
    const secrets = memorySecrets(SECRETS);
    const r = receiver({
      plan,
      webhook: { ...webhookOf('helpdesk'), maxBodyBytes: 1024 },
      dynamo,
      bus,
      secrets,
      clock: () => now,
    });
    receivers.push(r);
    const body = Buffer.alloc(1025, 'x');

    // Act
    const plain = await r.invoke(webhookEvent({ body, headers: { 'content-type': 'application/json' } }));
    const base64 = await r.invoke(
      webhookEvent({ body, base64: true, headers: { 'content-type': 'application/json' } }),
    );
    answers.push(plain, base64);

    // Assess
    expect([plain.status, base64.status]).toEqual([413, 413]);
    expect(plain.body).toMatchObject({
      error: { code: 'too-large', message: expect.stringContaining('1024') },
    });
    expect(secrets.reads).toBe(0);
    expect(r.count('rejected', 'too-large')).toBe(2);
  });

  it.each([
    ['text/plain', 'content-type text/plain is not accepted'],
    ['application/json; charset=iso-8859-1', 'charset iso-8859-1'],
    [undefined, 'no content-type'],
  ])('answers 415 for content type %s', async (contentType, message) => {
    const r = receiverFor('helpdesk');
    const d = delivery('helpdesk');
    const headers: Record<string, string> = { ...d.headers };
    if (contentType === undefined) delete headers['content-type'];
    else headers['content-type'] = contentType;

    const answer = await r.invoke(webhookEvent({ body: d.body, headers }));

    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({
      error: { code: 'content-type', message: expect.stringContaining(message) },
    });
    expect(r.count('rejected', 'content-type')).toBe(1);
  });

  it('answers 415 for a compressed body', async () => {
    const r = receiverFor('helpdesk');
    const d = delivery('helpdesk');

    const answer = await r.invoke(
      webhookEvent({ body: d.body, headers: { ...d.headers, 'content-encoding': 'gzip' } }),
    );

    expect(answer.status).toBe(415);
  });

  it('accepts a charset parameter and upper-case media types', async () => {
    const r = receiverFor('helpdesk');
    const d = delivery('helpdesk');

    const answer = await r.invoke(
      webhookEvent({
        body: d.body,
        headers: { ...d.headers, 'content-type': 'Application/JSON; charset=UTF-8' },
      }),
    );

    expect(answer.status).toBe(202);
  });

  it('answers 405 with Allow: POST for other methods, counting no outcome', async () => {
    const r = receiverFor('helpdesk');

    const answer = await r.invoke(webhookEvent({ method: 'GET', body: '', headers: {} }));

    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(['accepted', 'duplicate', 'putFailed'].map((m) => r.count(m as 'accepted'))).toEqual([0, 0, 0]);
  });
});

describe('bodies as Lambda delivers them', () => {
  it('verifies a base64-encoded body over its raw bytes', async () => {
    const r = receiverFor('product');
    const d = delivery('product', {
      body: Buffer.from(
        JSON.stringify(JSON.parse(bodyFor('product', 'x').toString('utf8'))).replace('"42"', '"Zoë ☕"'),
        'utf8',
      ),
    });

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers, base64: true }));

    expect(answer.status).toBe(202);
    expect(bus.events.find((e) => e.id === answer.body.eventId)?.detail).toMatchObject({
      customerId: 'Zoë ☕',
    });
  });

  it('refuses a body that is not UTF-8 as malformed, after the signature', async () => {
    const r = receiverFor('product');
    const d = delivery('product', { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers, base64: true }));

    expect(answer.status).toBe(400);
    expect(r.count('rejected', 'malformed')).toBe(1);
  });
});

describe('when handoff cannot take a delivery', () => {
  it('answers 503 on a put failure, loses nothing, and puts the provider’s retry exactly once', async () => {
    // Prepare: EventBridge refuses the next entry.
    const r = receiverFor('helpdesk');
    const d = delivery('helpdesk');
    const before = bus.events.length;
    bus.fail({ mode: 'failed-entry', code: 'ThrottlingException' }, 1);

    // Act: the delivery, then the provider's retry 30 s later (re-signed, same delivery id).
    const failed = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));
    now = new Date(T0.getTime() + 30_000);
    const retry = delivery('helpdesk', { id: d.id, body: d.body });
    const retried = await r.invoke(webhookEvent({ body: retry.body, headers: retry.headers }));
    const again = await r.invoke(webhookEvent({ body: retry.body, headers: retry.headers }));

    // Assess
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('30');
    expect(failed.body).toMatchObject({ error: { code: 'unavailable' } });
    expect(retried.status).toBe(202);
    expect(again.status).toBe(200);
    expect(bus.events.slice(before).filter((e) => e.source === 'handoff.helpdesk')).toHaveLength(1);
    expect([r.count('putFailed'), r.count('accepted'), r.count('duplicate')]).toEqual([1, 1, 1]);
    expect(r.logs.some((l) => l.includes('"part":"bus"') && l.includes('ThrottlingException'))).toBe(true);
  });

  it('answers 503 when EventBridge itself fails (HTTP 500)', async () => {
    const r = receiverFor('billing');
    const d = delivery('billing');
    bus.fail({ mode: 'http-500' }, 1);

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(503);
    expect(r.count('putFailed')).toBe(1);
  });

  it('answers 503 when no signing secret can be read, and says which one in the log', async () => {
    const r = receiverFor('helpdesk', { secrets: {} });
    const d = delivery('helpdesk');

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(503);
    expect(r.count('putFailed')).toBe(1);
    expect(
      r.logs.some((l) => l.includes('"part":"secret"') && l.includes('handoff/helpdesk/webhook-secret')),
    ).toBe(true);
  });

  it('keeps verifying with the readable secret when the other cannot be read (rotation half done)', async () => {
    const r = receiverFor('helpdesk', {
      webhook: {
        secrets: [
          { secret: 'handoff/helpdesk/webhook-secret' },
          { secret: 'handoff/helpdesk/not-created-yet' },
        ],
      },
    });
    const d = delivery('helpdesk');

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(202);
    expect(r.logs.some((l) => l.includes('not-created-yet') && l.includes('"level":"ERROR"'))).toBe(true);
  });

  it('answers 503 when the Standard Webhooks secret is not whsec_ base64', async () => {
    const r = receiverFor('product', { secrets: { 'handoff/product/webhook-secret': 'not base64 at all!' } });
    const d = delivery('product');

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(503);
    expect(r.logs.some((l) => l.includes('whsec_'))).toBe(true);
  });

  it('answers 503 when the delivery records cannot be written', async () => {
    const broken = await startDynamo(plan.tables);
    await broken.close();
    const r = receiver({
      plan,
      webhook: webhookOf('helpdesk'),
      dynamo: broken,
      bus,
      secrets: memorySecrets(SECRETS),
      clock: () => now,
    });
    receivers.push(r);
    const d = delivery('helpdesk');
    const before = bus.requests;

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));
    answers.push(answer);

    expect(answer.status).toBe(503);
    expect(bus.requests).toBe(before);
    expect(r.logs.some((l) => l.includes('"part":"dedupe"'))).toBe(true);
  });

  it('answers 503 before Lambda’s timeout when the bus hangs, and the retry goes through once the claim is stale', async () => {
    // Prepare: a bus that never answers, and 1.1 s left in the invocation.
    const hanging: WebhookBus = { put: () => new Promise(() => undefined) };
    const stuck = receiverFor('helpdesk', { bus: hanging });
    const d = delivery('helpdesk');

    // Act
    const timedOut = await stuck.invoke(webhookEvent({ body: d.body, headers: d.headers }), 1100);
    now = new Date(T0.getTime() + 10_000);
    const tooSoon = await receiverFor('helpdesk').invoke(webhookEvent({ body: d.body, headers: d.headers }));
    now = new Date(T0.getTime() + STALE_CLAIM_MS + 1000);
    const retry = delivery('helpdesk', { id: d.id, body: d.body });
    const later = await receiverFor('helpdesk').invoke(
      webhookEvent({ body: retry.body, headers: retry.headers }),
    );

    // Assess
    expect(timedOut.status).toBe(503);
    expect(stuck.count('putFailed')).toBe(1);
    expect(tooSoon.status).toBe(503);
    expect(tooSoon.body).toMatchObject({ error: { code: 'in-progress' } });
    expect(later.status).toBe(202);
  });

  it('treats a delivery record past its expiry as absent (no TTL needed)', async () => {
    const r = receiverFor('helpdesk');
    const d = delivery('helpdesk');
    await dynamo.doc.put({
      TableName: plan.tables.operations.name,
      Item: {
        ...deliveryKey('helpdesk', d.id),
        systemId: 'helpdesk',
        deliveryId: d.id,
        state: 'put',
        claimedAt: 0,
        detailType: 'Ticket Solved',
        eventId: 'old-event',
        expiresAt: Math.floor(T0.getTime() / 1000) - 1,
      },
    });

    const answer = await r.invoke(webhookEvent({ body: d.body, headers: d.headers }));

    expect(answer.status).toBe(202);
    expect(answer.body.eventId).not.toBe('old-event');
  });
});

describe('secrets changed in place', () => {
  it('re-reads the secrets after a mismatch, at most every 30 seconds', async () => {
    // Prepare: the receiver has read the old value; then the value is changed in the store.
    const values: Record<string, string> = { ...SECRETS };
    const r = receiverFor('helpdesk', { secrets: values });
    const warmup = delivery('helpdesk');
    await r.invoke(webhookEvent({ body: warmup.body, headers: warmup.headers }));
    values['handoff/helpdesk/webhook-secret'] = 'helpdesk-rotated-in-place';

    // Act: signed with the new value, 10 s and then 31 s after the read.
    now = new Date(T0.getTime() + 10_000);
    const early = delivery('helpdesk', { secret: 'helpdesk-rotated-in-place' });
    const tooEarly = await r.invoke(webhookEvent({ body: early.body, headers: early.headers }));
    now = new Date(T0.getTime() + 31_000);
    const late = delivery('helpdesk', { secret: 'helpdesk-rotated-in-place' });
    const picked = await r.invoke(webhookEvent({ body: late.body, headers: late.headers }));

    // Assess
    expect([tooEarly.status, picked.status]).toEqual([401, 202]);
  });
});

describe('Secrets Manager failing after a successful read', () => {
  it('keeps verifying with the secrets read last, and reports the failure', async () => {
    // Prepare: a store that answers once, then fails like an unavailable Secrets Manager.
    let down = false;
    const store = memorySecrets(SECRETS);
    const r = receiver({
      plan,
      webhook: webhookOf('helpdesk'),
      dynamo,
      bus,
      secrets: {
        read: async (name) => {
          if (down) throw Object.assign(new Error('unavailable'), { name: 'InternalServiceError' });
          return store.read(name);
        },
      },
      clock: () => now,
    });
    receivers.push(r);
    const first = delivery('helpdesk');
    answers.push(await r.invoke(webhookEvent({ body: first.body, headers: first.headers })));
    down = true;

    // Act: past the cache's lifetime.
    now = new Date(T0.getTime() + 6 * 60_000);
    const later = delivery('helpdesk');
    const answer = await r.invoke(webhookEvent({ body: later.body, headers: later.headers }));
    answers.push(answer);

    // Assess
    expect(answer.status).toBe(202);
    expect(
      r.logs.some((l) => l.includes('could not be read again') && l.includes('InternalServiceError')),
    ).toBe(true);
  });
});

describe('metrics', () => {
  it('are recorded with exactly the dimensions the alarms read', async () => {
    const r = receiverFor('billing');
    const ok = delivery('billing');
    const bad = delivery('billing', { secret: 'whsec_wrong' });

    await r.invoke(webhookEvent({ body: ok.body, headers: ok.headers }));
    await r.invoke(webhookEvent({ body: bad.body, headers: bad.headers }));

    const alarm = plan.alarms.find((a) => a.name === 'handoff-dev-webhook-billing-signatures');
    const metric = alarm?.metric.kind === 'metric' ? alarm.metric.metric : undefined;
    expect(metric && r.metrics.total(metric.namespace, metric.metricName, metric.dimensions)).toBe(1);
    expect(r.count('accepted')).toBe(1);
  });
});
