/**
 * How far handoff scales on CloudFormation: generates N valid contracts (several teams and stack
 * groups, every tier, both adapters, filters, literal and referenced endpoints), synthesises the
 * stage with and without bundling, and prints synth time, stacks, resources per stack and
 * resources per contract. Figures are printed, never asserted (test/infra/scale.test.ts asserts
 * the 500-resource limit).
 *
 *   node --import ./node_modules/tsx/dist/loader.mjs scripts/synth-scale.ts --contracts 100
 *   ... --contracts 100 --no-bundling        only the synth without bundling
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../lib/infra/project.js';
import { renderPlan } from '../lib/infra/render-plan.js';
import { loadContracts } from '../lib/model/load.js';
import { formatProblem } from '../lib/model/problems.js';
import { buildPlan } from '../lib/plan/build.js';
import { checkStackSizes, MAX_CONTRACTS_PER_STACK } from '../lib/plan/check.js';
import type { FunctionPlan, Plan } from '../lib/plan/types.js';

/** CloudFormation's limit on resources per stack. */
export const CLOUDFORMATION_RESOURCE_LIMIT = 500;
/** CloudFormation's limit on a template uploaded through S3 (as `cdk deploy` does): 1 MB. */
export const CLOUDFORMATION_TEMPLATE_BYTES = 1_000_000;

const TEAMS = ['support-tools', 'revenue-systems', 'billing-eng', 'product-data', 'success-ops', 'growth'];
const PLATFORM_TEAM = 'integration-platform';

/** A system of the generated estate; targets have one endpoint. */
interface GeneratedSystem {
  id: string;
  owner: string;
  endpoint?: Record<string, unknown> & { id: string; kind: 'http' | 'eventbridge' };
}

/** Systems of the generated estate; every endpoint kind and reference style appears. */
const SYSTEMS: GeneratedSystem[] = [
  {
    id: 'crm',
    owner: 'revenue-systems',
    endpoint: {
      id: 'crm-api',
      kind: 'http',
      url: { env: 'CRM_API_URL' },
      auth: { type: 'bearer', token: { secret: 'handoff/crm/api-token' } },
    },
  },
  {
    id: 'helpdesk',
    owner: 'support-tools',
    endpoint: {
      id: 'helpdesk-api',
      kind: 'http',
      url: { env: 'HELPDESK_API_URL' },
      auth: { type: 'bearer', token: { secret: 'handoff/helpdesk/api-token', key: 'token' } },
      timeout: '4s',
    },
  },
  {
    id: 'billing',
    owner: 'billing-eng',
    endpoint: {
      id: 'billing-api',
      kind: 'http',
      url: 'https://billing.example.com',
      auth: { type: 'header', header: 'X-Api-Key', value: { secret: 'handoff/billing/api-key' } },
      timeout: '8s',
    },
  },
  {
    id: 'success',
    owner: 'success-ops',
    endpoint: { id: 'success-api', kind: 'http', url: { env: 'SUCCESS_API_URL' } },
  },
  {
    id: 'analytics',
    owner: 'product-data',
    endpoint: { id: 'analytics-bus', kind: 'eventbridge', busArn: { env: 'ANALYTICS_BUS_ARN' } },
  },
  {
    id: 'marketing',
    owner: 'growth',
    endpoint: {
      id: 'marketing-bus',
      kind: 'eventbridge',
      busArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/marketing',
    },
  },
  { id: 'product', owner: 'product-data' },
];

const TARGETS = SYSTEMS.flatMap((s) => (s.endpoint ? [{ ...s, endpoint: s.endpoint }] : []));
const TIERS = ['critical', 'standard', 'best-effort'] as const;

/** Endpoint values for the generated estate's `{ env }` references. */
export const GENERATED_ENDPOINTS: Record<string, string> = {
  CRM_API_URL: 'https://crm.example.com',
  HELPDESK_API_URL: 'https://helpdesk.example.com',
  SUCCESS_API_URL: 'https://success.example.com',
  ANALYTICS_BUS_ARN: 'arn:aws:events:eu-west-1:123456789012:event-bus/analytics',
};

/** Options of generateContracts. */
export interface GenerateOptions {
  /**
   * Put every contract in this one stack group (to measure a full stack).
   * @default groups by owner team, with every seventh contract in a shared group
   */
  stackGroup?: string;
  /**
   * Write customer impacts long enough that every alarm description reaches CloudWatch's
   * 1,024-character cap (the largest templates a contract can produce).
   * @default false
   */
  longText?: boolean;
}

/** Writes a valid contracts folder with `count` contracts into `dir`. */
export function generateContracts(dir: string, count: number, options: GenerateOptions = {}): void {
  mkdirSync(join(dir, 'integrations'), { recursive: true });
  const header = (kind: string) =>
    `# yaml-language-server: $schema=../lib/model/schema/${kind}.schema.json\n`;
  writeFileSync(
    join(dir, 'teams.yaml'),
    header('teams') +
      stringify({
        teams: [...TEAMS, PLATFORM_TEAM].map((id, i) => ({
          id,
          name: id.replace(/-/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()),
          contacts: {
            oncallChannel: `#${id}-oncall`,
            ...(i % 2 === 0 ? { pager: `PagerDuty service "${id}"` } : {}),
            email: `${id}@example.com`,
          },
          hours: i % 3 === 0 ? '24x7' : 'Mon-Fri 09:00-17:00 Europe/London',
          ...(id === PLATFORM_TEAM ? { ownsPlatform: true } : {}),
        })),
      }),
  );
  writeFileSync(
    join(dir, 'systems.yaml'),
    header('systems') +
      stringify({
        systems: SYSTEMS.map((s) => ({
          id: s.id,
          name: `${s.id.charAt(0).toUpperCase()}${s.id.slice(1)}`,
          owner: s.owner,
          description: `The ${s.id} system.`,
          ...(s.endpoint ? { endpoints: [s.endpoint] } : {}),
        })),
      }),
  );
  writeFileSync(join(dir, 'tiers.yaml'), readFileSync(join(PROJECT_ROOT, 'contracts', 'tiers.yaml'), 'utf8'));

  for (let i = 0; i < count; i++) {
    const n = String(i + 1).padStart(3, '0');
    const source = at(SYSTEMS, i);
    const target = at(
      TARGETS.filter((t) => t.id !== source.id),
      i,
    );
    const tier = at(TIERS, i);
    const id = `gen-${source.id}-to-${target.id}-${n}`;
    const detailType = `Record ${n} Changed`;
    const mapping = { recordId: 'detail.recordId', status: 'detail.status', updatedAt: 'detail.updatedAt' };
    const adapter =
      target.endpoint.kind === 'http'
        ? {
            adapter: 'http',
            endpoint: target.endpoint.id,
            request: { method: i % 2 === 0 ? 'PUT' : 'PATCH', path: `/records/${n}/{id}`, body: mapping },
          }
        : {
            adapter: 'eventbridge',
            endpoint: target.endpoint.id,
            event: { source: `handoff.${target.id}`, detailType: `Record ${n} Synced`, detail: mapping },
          };
    const group = options.stackGroup ?? (i % 7 === 6 ? `shared-${Math.floor(i / 70) + 1}` : undefined);
    const contract = {
      id,
      description: `Generated contract ${n}: ${source.id} records to ${target.id}.`,
      source: {
        system: source.id,
        eventSource: `handoff.${source.id}`,
        detailType,
        ...(i % 4 === 0 ? { filter: { detail: { status: [{ 'anything-but': 'deleted' }] } } } : {}),
      },
      target: { system: target.id, ...adapter },
      entity: { type: 'record', id: 'detail.recordId', version: 'detail.updatedAt' },
      schema: {
        type: 'object',
        required: ['recordId', 'status', 'updatedAt'],
        properties: {
          recordId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          status: { enum: ['active', 'suspended', 'deleted'] },
          email: { type: 'string' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      tier,
      ...(i % 5 === 0 ? { owner: at(TEAMS, i / 5) } : {}),
      customerImpact: options.longText
        ? `Support sees an outdated record ${n} for the customer. ${'Agents answer from stale data and the customer notices. '.repeat(16)}`
        : `Support sees an outdated record ${n} for the customer.`,
      ...(i % 3 === 1 ? { stalenessSlo: '30m' } : {}),
      fallback: `Look the record up in ${source.id}.`,
      escalation: [target.owner, PLATFORM_TEAM],
      personalData: ['detail.email'],
      ...(group ? { deployment: { stack: group } } : {}),
      samples: [
        {
          name: 'an update',
          event: {
            source: `handoff.${source.id}`,
            'detail-type': detailType,
            detail: {
              recordId: `r-${n}`,
              status: 'active',
              email: 'ada@example.com',
              updatedAt: '2026-01-01T00:00:00Z',
            },
          },
        },
      ],
    };
    writeFileSync(
      join(dir, 'integrations', `${id}.yaml`),
      `# yaml-language-server: $schema=../../lib/model/schema/contract.schema.json\n${stringify(contract)}`,
    );
  }
}

/** The element at `i`, cycling through a non-empty list. */
function at<T>(list: readonly T[], i: number): T {
  const value = list[i % list.length];
  if (value === undefined) throw new Error('cannot cycle through an empty list');
  return value;
}

/** Loads a generated folder into a plan; throws with every problem if it is not valid. */
export function planOf(dir: string, stage = 'dev'): Plan {
  const loaded = loadContracts(dir);
  if (!loaded.estate)
    throw new Error(`generated contracts have problems:\n${loaded.problems.map(formatProblem).join('\n')}`);
  const plan = buildPlan(loaded.estate, { stage, runbookBaseUrl: 'https://runbooks.example.com/runbooks' });
  const sizes = checkStackSizes(plan);
  if (sizes.length > 0) throw new Error(`stack groups too large:\n${sizes.map(formatProblem).join('\n')}`);
  return plan;
}

/** A fixture entry for handlers that do not exist yet (reported, never silent). */
export function fixtureEntryFor(root = PROJECT_ROOT): (fn: FunctionPlan) => string | undefined {
  return (fn) => (existsSync(join(root, fn.entry)) ? undefined : 'test/fixtures/lambda-entry.ts');
}

/** What one synth produced. */
export interface SynthFigures {
  seconds: number;
  stacks: Array<{ name: string; resources: number; contracts: number; templateBytes: number }>;
}

/**
 * Synthesises a plan's stage into `outdir`; `bundling` false skips esbuild (as tests do).
 * `validate` false also skips CDK's built-in CloudFormation template validation (as `--no-validation`).
 */
export function synthesise(plan: Plan, outdir: string, bundling: boolean, validate = true): SynthFigures {
  const started = process.hrtime.bigint();
  const app = new App({
    outdir,
    context: bundling ? {} : { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: validate,
  });
  renderPlan(app, plan, { endpoints: GENERATED_ENDPOINTS, entryFor: fixtureEntryFor() });
  const assembly = app.synth();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    seconds,
    stacks: assembly.stacks.map((stack) => ({
      name: stack.stackName,
      resources: Object.keys(stack.template.Resources ?? {}).length,
      contracts: plan.stacks.find((s) => s.name === stack.stackName)?.contracts.length ?? 0,
      templateBytes: statSync(join(outdir, stack.templateFile)).size,
    })),
  };
}

function report(label: string, figures: SynthFigures, contracts: number): void {
  const contractStacks = figures.stacks.filter((s) => s.contracts > 0);
  const perContract = contractStacks.map((s) => s.resources / s.contracts);
  const largest = [...figures.stacks].sort((a, b) => b.resources - a.resources)[0];
  console.log(
    `\n${label}: ${contracts} contracts in ${figures.seconds.toFixed(1)} s, ${figures.stacks.length} stacks`,
  );
  for (const s of figures.stacks) {
    console.log(
      `  ${s.name.padEnd(48)} ${String(s.resources).padStart(4)} resources  ${String(s.contracts).padStart(3)} contracts  ${String(Math.round(s.templateBytes / 1000)).padStart(5)} kB template`,
    );
  }
  if (perContract.length > 0) {
    console.log(
      `  resources per contract: ${Math.min(...perContract).toFixed(1)}-${Math.max(...perContract).toFixed(1)} (contracts stacks, incl. the stack's own)`,
    );
  }
  const biggest = [...figures.stacks].sort((a, b) => b.templateBytes - a.templateBytes)[0];
  if (biggest) {
    console.log(
      `  largest template: ${biggest.name}, ${Math.round(biggest.templateBytes / 1000)} of ${CLOUDFORMATION_TEMPLATE_BYTES / 1000} kB`,
    );
  }
  if (largest) {
    console.log(
      `  largest stack: ${largest.name}, ${largest.resources} of ${CLOUDFORMATION_RESOURCE_LIMIT} resources (${largest.resources < CLOUDFORMATION_RESOURCE_LIMIT ? 'within' : 'OVER'} the limit)`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      contracts: { type: 'string', default: '100' },
      'no-bundling': { type: 'boolean', default: false },
    },
  });
  const count = Number(values.contracts);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`--contracts ${values.contracts}: expected a whole number of contracts, at least 1`);
    process.exitCode = 2;
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'handoff-scale-'));
  try {
    generateContracts(join(work, 'contracts'), count);
    const plan = planOf(join(work, 'contracts'));
    const missing = plan.functions.filter((fn) => !existsSync(join(PROJECT_ROOT, fn.entry)));
    if (missing.length > 0) {
      console.log(
        `note: ${[...new Set(missing.map((f) => f.entry))].join(', ')} missing; those functions bundle test/fixtures/lambda-entry.ts, so bundling times understate theirs`,
      );
    }
    report('without bundling', synthesise(plan, join(work, 'out-plain'), false), count);
    if (!values['no-bundling'])
      report('with bundling', synthesise(plan, join(work, 'out-bundled'), true), count);

    const full = join(work, 'full');
    generateContracts(full, MAX_CONTRACTS_PER_STACK, { stackGroup: 'everything', longText: true });
    report(
      `one full stack (${MAX_CONTRACTS_PER_STACK} contracts, the per-stack maximum, alarm descriptions at 1,024 characters)`,
      synthesise(planOf(full), join(work, 'out-full'), false),
      MAX_CONTRACTS_PER_STACK,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
