import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.js';
import { createIncidentsHandler } from '../../lambdas/incidents/handler.js';
import { clientsFor, type DlqDeps, dlqCommand, explainAwsError, type Target } from '../../lib/cli/dlq.js';
import { DLQ_OPTIONS } from '../../lib/cli/dlq-options.js';
import { EXIT, type Io, UsageError } from '../../lib/cli/io.js';
import { runtimePlanFor } from '../../lib/plan/runtime.js';
import type { Plan } from '../../lib/plan/types.js';
import { startDynamo } from '../helpers/dynamo.js';
import { examplePlan } from '../helpers/estate.js';
import { EXAMPLE_CONTRACTS } from '../helpers/paths.js';
import { startBus } from './support/bus.js';
import { customerUpdated, permanentFailure, retriesExhausted } from './support/dead-letters.js';
import { capturedLogger, lambdaContext } from './support/lambda.js';
import { startQueues, type TestQueues } from './support/queues.js';

type Result = { code: number; out: string; err: string };

function capture(): { io: Io; result: () => Omit<Result, 'code'> } {
  let out = '';
  let err = '';
  return {
    io: {
      out: (t) => {
        out += `${t}\n`;
      },
      err: (t) => {
        err += `${t}\n`;
      },
    },
    result: () => ({ out, err }),
  };
}

/**
 * Runs `handoff dlq ...` as bin/cli.ts main() does (parseArgs, UsageError → exit 2), with
 * positionals allowed: the subcommand and the message id are positionals.
 */
async function dlq(args: string[], deps: DlqDeps = {}): Promise<Result> {
  const { io, result } = capture();
  let code: number;
  try {
    const { values, positionals } = parseArgs({
      args: [...args, '--contracts', EXAMPLE_CONTRACTS],
      options: DLQ_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    code = await dlqCommand(values, positionals, io, { waitSeconds: 0, ...deps });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(error.message);
    code = EXIT.usage;
  }
  return { code, ...result() };
}

async function cli(...args: string[]): Promise<Result> {
  const { io, result } = capture();
  const code = await main(args, io);
  return { code, ...result() };
}

/** A data folder with endpoints.json, as the running local layer writes it. */
function dataDir(endpoints?: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-data-'));
  if (endpoints) writeFileSync(join(dir, 'endpoints.json'), JSON.stringify(endpoints));
  return dir;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('handoff dlq: usage', () => {
  it.each([
    [['list'], /say where: --stage STAGE .* or --local/],
    [['list', '--stage', 'dev', '--local'], /either --stage STAGE or --local, not both/],
    [['list', '--stage', 'Prod!'], /--stage "Prod!" is not a stage name/],
    [['list', '--stage', 'dev', '--data', '/tmp'], /--data applies to --local only/],
    [['list', '--stage', 'dev', '--rate', '5'], /--rate applies to redrive only/],
    [['list', '--stage', 'dev', '--dry-run'], /--dry-run applies to redrive only/],
    [['redrive', '--stage', 'dev', '--rate', '0'], /--rate "0" is not a number of events per second/],
    [['redrive', '--stage', 'dev', '--rate', 'fast'], /--rate "fast"/],
    [['list', '--stage', 'dev', '--limit=-3'], /--limit "-3" is not a whole number/],
    [['list', '--stage', 'dev', '--limit', '2.5'], /--limit "2.5" is not a whole number/],
    [
      ['list', '--stage', 'dev', '--tier', 'gold'],
      /--tier "gold" is not a tier; expected critical, standard, best-effort/,
    ],
    [['list', '--stage', 'dev', '--class', 'transient,fatal'], /--class "transient,fatal" is not a list of/],
    [['show', '--stage', 'dev'], /show needs exactly one MESSAGE-ID/],
    [['list', 'extra', '--stage', 'dev'], /unexpected argument "extra"/],
    [['purge', '--stage', 'dev'], /unknown action "purge"; expected list, show, redrive/],
    [
      ['list', '--stage', 'dev', '--contract', 'nope'],
      /--contract "nope" is not a contract; expected one of/,
    ],
    [
      ['list', '--stage', 'dev', '--contract', 'crm-customer-to-helpdesk', '--tier', 'standard'],
      /contract crm-customer-to-helpdesk is in tier critical, not standard; its dead letters are in handoff-dev-dlq-critical/,
    ],
  ])('exits 2 for %j', async (args, message) => {
    // Act
    const { code, err } = await dlq(args);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('is registered in the CLI and exits 2 with its usage when the action is missing', async () => {
    // Act
    const { code, err } = await cli('dlq', '--stage', 'dev');

    // Assess
    expect(code).toBe(2);
    expect(err).toContain('say what to do: list, show, redrive');
    expect(err).toContain('Usage: handoff dlq list|show MESSAGE-ID|redrive');
  });
});

describe('handoff dlq --local without a running local layer', () => {
  it('says so when there is no endpoints.json, without a stack trace', async () => {
    // Prepare
    const dir = dataDir();

    // Act
    const { code, err } = await dlq(['list', '--local', '--data', dir]);

    // Assess
    expect(code).toBe(1);
    expect(err).toBe(
      `handoff dlq: the local layer is not running: ${join(dir, 'endpoints.json')} does not exist (start it with "npm start", or point --data at its folder)\n`,
    );
  });

  it('says so when nothing answers at the endpoints', async () => {
    // Prepare
    const dir = dataDir({ sqs: `http://127.0.0.1:${await closedPort()}` });

    // Act
    const { code, err } = await dlq(['list', '--local', '--data', dir, '--tier', 'critical']);

    // Assess
    expect(code).toBe(1);
    expect(err).toBe(
      `handoff dlq list: the local layer is not running: nothing answers at the endpoints in ${join(dir, 'endpoints.json')} (start it with "npm start")\n`,
    );
    expect(err).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('handoff dlq: errors reaching a deployed stage', () => {
  const stage: Target = { kind: 'stage', stage: 'prod' };
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });

  it.each([
    [
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      'no AWS credentials found while finding queue handoff-prod-dlq-critical: sign in (aws sso login --profile P, then AWS_PROFILE=P) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    ],
    [
      named('Error', 'Region is missing'),
      'no AWS region set while finding queue handoff-prod-dlq-critical: set AWS_REGION (or the region of your AWS profile) to where stage prod is deployed',
    ],
    [
      named('ExpiredTokenException', 'The security token included in the request is expired'),
      'your AWS credentials were rejected or have expired while finding queue handoff-prod-dlq-critical: sign in again',
    ],
    [
      named(
        'AccessDenied',
        'User: arn:aws:sts::1:assumed-role/support is not authorized to perform: sqs:getqueueurl',
      ),
      'access denied while finding queue handoff-prod-dlq-critical: your role needs permission for it on stage prod (User: arn:aws:sts::1:assumed-role/support is not authorized to perform: sqs:getqueueurl)',
    ],
    [
      named('QueueDoesNotExist', 'The specified queue does not exist.'),
      'finding queue handoff-prod-dlq-critical: the queue does not exist; is stage prod deployed in this account and region?',
    ],
  ])('explains %s in one line', (error, message) => {
    // Act
    const text = explainAwsError(error, stage, 'finding queue handoff-prod-dlq-critical');

    // Assess
    expect(text).toBe(message);
  });

  it('exits 1 naming the queue when the stage has no such queue', async () => {
    // Prepare: a real SQS endpoint that has the local stage's queues, not dev's.
    const queues = await startQueues(examplePlan({ stage: 'local' }));
    const clients = () => ({ sqs: queues.sqs, events: startBus().events, ddb: clientsFor(stage).ddb });

    // Act
    const { code, err } = await dlq(['list', '--stage', 'dev', '--tier', 'standard'], { clients });
    await queues.close();

    // Assess
    expect(code).toBe(1);
    expect(err).toBe(
      'handoff dlq list: finding queue handoff-dev-dlq-standard: the queue does not exist; is stage dev deployed in this account and region?\n',
    );
  });
});

describe('handoff dlq against the local layer', () => {
  let plan: Plan;
  let queues: TestQueues;
  let dir: string;
  let ids: { transient: string; permanent: string };
  const later = () => new Date(Date.now() + 3_600_000);

  beforeAll(async () => {
    plan = examplePlan({ stage: 'local' });
    queues = await startQueues(plan);
    dir = dataDir({ sqs: queues.endpoint });
    const permanent = permanentFailure(
      customerUpdated('43', 2),
      'crm-customer-to-helpdesk',
      'handoff-local-crm-customer-to-helpdesk',
    );
    ids = {
      transient: await queues.send(
        'critical',
        retriesExhausted(customerUpdated('42', 7), 'handoff-local-crm-customer-to-helpdesk'),
      ),
      permanent: await queues.send('critical', permanent.body, permanent.attributes),
    };
  });
  afterAll(async () => queues.close());

  it('lists every tier as a table of support-safe summaries', async () => {
    // Act
    const { code, out } = await dlq(['list', '--local', '--data', dir], { now: later });

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('critical — handoff-local-dlq-critical: 2 dead letters');
    expect(out).toContain('standard — handoff-local-dlq-standard: no dead letters');
    expect(out).toMatch(/MESSAGE ID\s+CONTRACT\s+ENTITY\s+CLASS\s+AGE\s+ATTEMPTS\s+REASON/);
    expect(out).toMatch(
      new RegExp(
        `${ids.transient}\\s+crm-customer-to-helpdesk\\s+customer 42\\s+transient\\s+1h\\s+3\\s+TransientSyncError`,
      ),
    );
    expect(out).toMatch(
      new RegExp(`${ids.permanent}\\s+crm-customer-to-helpdesk\\s+customer 43\\s+permanent`),
    );
    expect(out).toContain('Once the cause is fixed: ./bin/handoff dlq redrive --local');
    expect(out).not.toMatch(/Ada Lovelace|ada@example.com/);
    expect(queues.stats('critical')).toEqual({ visible: 2, inFlight: 0 });
  });

  it('lists as JSON, only the contract asked for and only its tier', async () => {
    // Act
    const { code, out } = await dlq(
      [
        'list',
        '--local',
        '--data',
        dir,
        '--contract',
        'crm-customer-to-helpdesk',
        '--class',
        'transient',
        '--json',
      ],
      { now: later },
    );

    // Assess
    expect(code).toBe(0);
    const json = JSON.parse(out) as {
      queues: Array<{ tier: string; deadLetters: Array<Record<string, unknown>> }>;
    };
    expect(json.queues.map((q) => q.tier)).toEqual(['critical']);
    expect(json.queues[0]?.deadLetters).toHaveLength(1);
    expect(json.queues[0]?.deadLetters[0]).toMatchObject({
      messageId: ids.transient,
      failureClass: 'transient',
      entity: { type: 'customer', id: '42' },
      ageSeconds: expect.any(Number),
    });
  });

  it('shows one dead letter, and exits 1 for an id that is not there', async () => {
    // Act
    const shown = await dlq(['show', ids.permanent, '--local', '--data', dir], { now: later });
    const missing = await dlq(['show', 'no-such-id', '--local', '--data', dir, '--tier', 'critical']);

    // Assess
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^Message {3}/);
    expect(shown.out).toContain('Class     permanent (redriven by hand only)');
    expect(shown.out).toContain(
      'Reason    PermanentSyncError: the target rejected the change: 422 Unprocessable Entity',
    );
    expect(shown.out).toContain('Event     handoff.crm, "Customer Updated", id ');
    expect(shown.out).not.toMatch(/Ada Lovelace|ada@example.com/);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('message no-such-id is not in handoff-local-dlq-critical (looked at 2)');
  });

  it('redrives: a dry run changes nothing; a failed put exits 1 and keeps the message', async () => {
    // Prepare
    const bus = startBus();
    const clients = (target: Target) => {
      const real = clientsFor(target);
      return {
        sqs: real.sqs,
        events: bus.events,
        get ddb() {
          return real.ddb;
        },
      };
    };

    // Act
    const dry = await dlq(['redrive', '--local', '--data', dir, '--tier', 'critical', '--dry-run'], {
      clients,
    });
    bus.rejectNextEntries('InternalException', 1);
    const failed = await dlq(
      ['redrive', '--local', '--data', dir, '--contract', 'crm-customer-to-helpdesk', '--class', 'transient'],
      { clients },
    );

    // Assess
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('Dry run: nothing is put on the bus and nothing is deleted.');
    expect(dry.out).toContain(
      'critical — handoff-local-dlq-critical: would redrive 2, skipped 0 (matched 2 of 2 looked at)',
    );
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('redriven 0, failed 1');
    expect(failed.out).toContain('the bus rejected the event: InternalException');
    expect(queues.stats('critical')).toEqual({ visible: 2, inFlight: 0 });
  });
});

describe('handoff report with incidents', () => {
  it('fills support visibility from the local layer’s incidents', async () => {
    // Prepare: one incident opened and resolved with a note, one open.
    const plan = examplePlan({ stage: 'local' });
    const dynamo = await startDynamo(plan.tables);
    const incidents = createIncidentsHandler({
      ddb: dynamo.doc,
      tableName: plan.tables.operations.name,
      plan: runtimePlanFor(plan, { kind: 'incidents' }),
      logger: capturedLogger().logger,
    });
    const alarm = (name: string, value: 'ALARM' | 'OK', timestamp: string) => ({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName: name, state: { value, reason: 'Threshold Crossed', timestamp } },
    });
    const context = lambdaContext('handoff-local-platform-incidents');
    const resolved = await incidents(
      alarm('handoff-local-crm-customer-to-helpdesk-staleness', 'ALARM', '2026-11-30T10:00:00.000+0000'),
      context,
    );
    await incidents(
      alarm('handoff-local-crm-customer-to-helpdesk-staleness', 'OK', '2026-11-30T10:30:00.000+0000'),
      context,
    );
    await incidents(
      alarm('handoff-local-critical-dead-letters', 'ALARM', '2026-11-30T11:00:00.000+0000'),
      context,
    );
    await dynamo.doc.update({
      TableName: plan.tables.operations.name,
      Key: { pk: `INCIDENT#${'incidentId' in resolved ? resolved.incidentId : ''}`, sk: 'INCIDENT' },
      UpdateExpression: 'SET notes = :notes',
      ExpressionAttributeValues: {
        ':notes': [
          { at: '2026-11-30T10:40:00Z', author: 'support', text: 'Helpdesk API outage, fixed by vendor' },
        ],
      },
    });
    const dir = dataDir({ dynamodb: dynamo.endpoint });

    // Act
    const { code, out, err } = await cli(
      'report',
      '--local',
      '--data',
      dir,
      '--json',
      '--contracts',
      EXAMPLE_CONTRACTS,
    );
    await dynamo.close();

    // Assess
    expect(code).toBe(0);
    expect(err).toBe('2 incidents read from handoff-local-operations\n');
    expect((JSON.parse(out) as { supportVisibility: unknown }).supportVisibility).toEqual({
      incidents: 2,
      open: 1,
      resolved: 1,
      withOwner: 2,
      withCustomerImpact: 2,
      withNextAction: 2,
      withResolutionNotes: 1,
    });
  });

  it('exits 1 with a clear message when the local layer is not running', async () => {
    // Act
    const { code, err } = await cli(
      'report',
      '--local',
      '--data',
      dataDir(),
      '--contracts',
      EXAMPLE_CONTRACTS,
    );

    // Assess
    expect(code).toBe(1);
    expect(err).toMatch(/^handoff report: the local layer is not running: .*endpoints\.json does not exist/);
  });
});
