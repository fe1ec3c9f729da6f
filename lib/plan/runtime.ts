/**
 * The runtime plan: the part of the plan a Lambda function needs while running, bundled into it at
 * synth time (esbuild `define`), so configuration is immutable per deploy and costs no calls.
 * A sync function gets only its own contract; handoff's own functions get every contract.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import type {
  AlarmPlan,
  ContractPlan,
  FunctionKind,
  FunctionPlan,
  Plan,
  SystemPlan,
  TeamPlan,
  TierPlan,
  WebhookPlan,
} from './types.js';

/** What a function knows about one alarm (for incidents and the status API); no metric details. */
export type RuntimeAlarm = Pick<
  AlarmPlan,
  | 'name'
  | 'failureMode'
  | 'scope'
  | 'tier'
  | 'severity'
  | 'owner'
  | 'escalation'
  | 'summary'
  | 'customerImpact'
  | 'runbook'
>;

export interface RuntimePlan {
  stage: string;
  prefix: string;
  fingerprint: string;
  runbookBaseUrl: string;
  metricsNamespace: string;
  busName: string;
  tables: { syncState: string; operations: string };
  teams: TeamPlan[];
  systems: SystemPlan[];
  tiers: TierPlan[];
  contracts: ContractPlan[];
  alarms: RuntimeAlarm[];
  webhooks: WebhookPlan[];
}

/** The global esbuild replaces with the encoded runtime plan when bundling a function. */
export const RUNTIME_PLAN_GLOBAL = '__HANDOFF_RUNTIME_PLAN__';

/**
 * The esbuild `define` that compiles a function's runtime plan into its bundle: the plan's JSON,
 * brotli-compressed and base64-encoded, as one string literal. The plans of handoff's own functions
 * carry every contract and alarm (80 kB of repetitive text for the examples, about 11 kB more per
 * contract); compressed they are a tenth of that, and a string is cheaper for V8 to parse at cold
 * start than the same data as an object literal. Decoding takes well under a millisecond.
 */
export function runtimePlanDefine(
  plan: Plan,
  fn: Pick<FunctionPlan, 'kind' | 'contractId' | 'systemId'>,
): Record<string, string> {
  return { [RUNTIME_PLAN_GLOBAL]: JSON.stringify(encodeRuntimePlan(runtimePlanFor(plan, fn))) };
}

/** The runtime plan as the string compiled into a bundle (brotli, base64). */
export function encodeRuntimePlan(runtime: RuntimePlan): string {
  const json = Buffer.from(JSON.stringify(runtime));
  return brotliCompressSync(json, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: json.length,
    },
  }).toString('base64');
}

/** Reads a runtime plan compiled into a bundle by runtimePlanDefine. */
export function decodeRuntimePlan(encoded: string): RuntimePlan {
  return JSON.parse(brotliDecompressSync(Buffer.from(encoded, 'base64')).toString('utf8')) as RuntimePlan;
}

/** Builds the runtime plan for one function (or for the local layer, with every contract). */
export function runtimePlanFor(
  plan: Plan,
  fn?: Pick<FunctionPlan, 'kind' | 'contractId' | 'systemId'>,
): RuntimePlan {
  const only = fn?.kind === 'sync' ? fn.contractId : undefined;
  const contracts = only
    ? plan.contracts.filter((c) => c.id === only)
    : fn?.kind === 'webhook'
      ? []
      : plan.contracts;
  const needsAlarms: FunctionKind[] = ['incidents', 'status-api'];
  return {
    stage: plan.stage,
    prefix: plan.prefix,
    fingerprint: plan.fingerprint,
    runbookBaseUrl: plan.runbookBaseUrl,
    metricsNamespace: plan.metricsNamespace,
    busName: plan.bus.name,
    tables: { syncState: plan.tables.syncState.name, operations: plan.tables.operations.name },
    teams: only ? [] : plan.teams,
    systems: only
      ? plan.systems.filter((s) =>
          contracts.some((c) => c.target.system === s.id || c.source.system === s.id),
        )
      : plan.systems,
    tiers: only ? plan.tiers.filter((t) => contracts.some((c) => c.tier === t.name)) : plan.tiers,
    contracts,
    alarms:
      !fn || needsAlarms.includes(fn.kind)
        ? plan.alarms.map(
            ({
              name,
              failureMode,
              scope,
              tier,
              severity,
              owner,
              escalation,
              summary,
              customerImpact,
              runbook,
            }) => ({
              name,
              failureMode,
              scope,
              tier,
              severity,
              owner,
              escalation,
              summary,
              customerImpact,
              runbook,
            }),
          )
        : [],
    // A receiver knows only its own system's webhook.
    webhooks:
      fn?.kind === 'webhook'
        ? plan.webhooks.filter((w) => w.systemId === fn.systemId)
        : fn?.kind === 'sync'
          ? []
          : plan.webhooks,
  };
}
