/**
 * Points a plan's contracts at the stand-ins: reads each contract's target references (URL,
 * credentials, bus ARN) and says what to put in the environment and the local secret store so
 * the sync handlers reach the stand-ins with credentials they accept. Read from the plan, not
 * hard-coded, so renaming an environment variable or a secret in `systems.yaml` keeps working.
 */
import type { ValueRef } from '../../model/types.js';
import type { Plan } from '../../plan/types.js';
import { BUS_SYSTEM_ID, HTTP_SYSTEMS, isHttpSystemId } from './catalog.js';
import type { ExampleTargets, ExampleTargetsOptions } from './server.js';

/** What to configure so a plan's contracts reach the stand-ins. */
export interface TargetsWiring {
  /** Environment variables, e.g. HELPDESK_API_URL, ANALYTICS_BUS_ARN. */
  env: Record<string, string>;
  /** Secret values by secret name (JSON text for secrets read by key). */
  secrets: Record<string, string>;
  /** Contracts the stand-ins cannot serve as declared, with the reason. */
  unresolved: Array<{ contract: string; reason: string }>;
}

/** The environment and secrets that point `plan`'s contracts at `targets`. */
export function wiringForPlan(
  plan: Plan,
  targets: Pick<ExampleTargets, 'systems' | 'analyticsBusArn'>,
  credentials: ExampleTargetsOptions['credentials'],
): TargetsWiring {
  const wiring: TargetsWiring = { env: {}, secrets: {}, unresolved: [] };
  const keyed = new Map<string, Record<string, string>>();
  const assign = (contract: string, ref: ValueRef, value: string, what: string): void => {
    if (typeof ref === 'string') {
      if (ref !== value)
        wiring.unresolved.push({
          contract,
          reason: `its ${what} is a literal value, so it cannot point at the stand-in`,
        });
      return;
    }
    if ('env' in ref) {
      const existing = wiring.env[ref.env];
      if (existing !== undefined && existing !== value)
        wiring.unresolved.push({
          contract,
          reason: `environment variable ${ref.env} is needed for two different values`,
        });
      else wiring.env[ref.env] = value;
      return;
    }
    if (ref.key === undefined) {
      const existing = wiring.secrets[ref.secret];
      if ((existing !== undefined && existing !== value) || keyed.has(ref.secret))
        wiring.unresolved.push({
          contract,
          reason: `secret ${ref.secret} is needed for two different values`,
        });
      else wiring.secrets[ref.secret] = value;
      return;
    }
    const fields = keyed.get(ref.secret) ?? {};
    const existing = fields[ref.key];
    if (
      (existing !== undefined && existing !== value) ||
      (wiring.secrets[ref.secret] !== undefined && !keyed.has(ref.secret))
    ) {
      wiring.unresolved.push({
        contract,
        reason: `secret ${ref.secret} key ${ref.key} is needed for two different values`,
      });
      return;
    }
    fields[ref.key] = value;
    keyed.set(ref.secret, fields);
    wiring.secrets[ref.secret] = JSON.stringify(fields);
  };

  for (const contract of plan.contracts) {
    const target = contract.target;
    if (target.adapter === 'eventbridge') {
      if (target.system !== BUS_SYSTEM_ID)
        wiring.unresolved.push({ contract: contract.id, reason: `no stand-in for the ${target.system} bus` });
      else assign(contract.id, target.busArn, targets.analyticsBusArn, 'bus ARN');
      continue;
    }
    if (!isHttpSystemId(target.system)) {
      wiring.unresolved.push({ contract: contract.id, reason: `no stand-in for system ${target.system}` });
      continue;
    }
    const spec = HTTP_SYSTEMS[target.system];
    assign(contract.id, target.url, targets.systems[target.system], 'endpoint URL');
    const credential =
      target.system === 'helpdesk'
        ? credentials.helpdeskToken
        : target.system === 'crm'
          ? credentials.crmToken
          : credentials.billingApiKey;
    const auth = target.auth;
    if (spec.auth.kind === 'bearer' && auth.type === 'bearer')
      assign(contract.id, auth.token, credential, 'token');
    else if (
      spec.auth.kind === 'header' &&
      auth.type === 'header' &&
      auth.header.toLowerCase() === spec.auth.header
    )
      assign(contract.id, auth.value, credential, 'API key');
    else
      wiring.unresolved.push({
        contract: contract.id,
        reason: `the ${target.system} stand-in expects ${spec.auth.kind === 'bearer' ? 'a bearer token' : `the ${spec.auth.header} header`}, but the contract's endpoint uses ${auth.type === 'header' ? `the ${auth.header} header` : auth.type}`,
      });
  }
  return wiring;
}
