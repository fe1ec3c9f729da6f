/** Synthesising a stage for template tests: bundling skipped, built-in CloudFormation validation off. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { AlarmSubscriptions } from '../../lib/infra/context.js';
import { type RenderedStage, renderPlan } from '../../lib/infra/render-plan.js';
import type { FunctionPlan, Plan } from '../../lib/plan/types.js';
import { examplePlan } from '../helpers/estate.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

/** The fixture entry used for a handler that does not exist yet. */
export const FIXTURE_ENTRY = 'test/fixtures/lambda-entry.ts';

/** Keeps each function's planned entry, or the fixture while the real handler is being written. */
export function entryFor(fn: FunctionPlan): string | undefined {
  return existsSync(join(PROJECT_ROOT, fn.entry)) ? undefined : FIXTURE_ENTRY;
}

/** Endpoint values for every `{ env }` reference of the example contracts. */
export const EXAMPLE_ENDPOINTS = {
  CRM_API_URL: 'https://crm.example.com',
  HELPDESK_API_URL: 'https://helpdesk.example.com',
  BILLING_API_URL: 'https://billing.example.com',
  ANALYTICS_BUS_ARN: 'arn:aws:events:eu-west-1:123456789012:event-bus/analytics',
};

export interface SynthOptions {
  plan?: Plan;
  endpoints?: Record<string, string>;
  alarmSubscriptions?: AlarmSubscriptions;
  /** Extra app context. */
  context?: Record<string, unknown>;
}

/** A synthesised stage and ways to look into it. */
export interface Synthesised {
  app: App;
  plan: Plan;
  stage: RenderedStage;
  /** The template of a stack, by stack name. */
  template(stackName: string): Template;
  /** Every stack with its template. */
  all(): Array<{ stack: Stack; template: Template }>;
  /** Warning messages of a stack (annotations). */
  warnings(stackName: string): string[];
}

/** Renders and synthesises a stage (the example contracts unless a plan is given). */
export function synth(options: SynthOptions = {}): Synthesised {
  const plan = options.plan ?? examplePlan();
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], ...options.context },
    builtinCloudFormationValidation: false,
  });
  const stage = renderPlan(app, plan, {
    endpoints: options.endpoints ?? EXAMPLE_ENDPOINTS,
    ...(options.alarmSubscriptions ? { alarmSubscriptions: options.alarmSubscriptions } : {}),
    entryFor,
  });
  app.synth();
  const stacks: Stack[] = [stage.core, ...stage.contracts];
  const templates = new Map(stacks.map((s) => [s.stackName, Template.fromStack(s)]));
  const stackNamed = (name: string) => {
    const stack = stacks.find((s) => s.stackName === name);
    if (!stack) throw new Error(`no stack ${name}`);
    return stack;
  };
  return {
    app,
    plan,
    stage,
    template: (name) => {
      const template = templates.get(name);
      if (!template) throw new Error(`no stack ${name}`);
      return template;
    },
    all: () => stacks.map((stack) => ({ stack, template: templates.get(stack.stackName) as Template })),
    warnings: (name) =>
      Annotations.fromStack(stackNamed(name))
        .findWarning('*', Match.anyValue())
        .map((m) => String(m.entry.data)),
  };
}

/** The logical id and properties of every resource of a type in a template. */
export function resources(template: Template, type: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(template.findResources(type)).map(([id, r]) => [
    id,
    (r as { Properties?: Record<string, unknown> }).Properties ?? {},
  ]);
}

/** Renders a CloudFormation value with its intrinsics flattened: `arn:<AWS::Partition>:sqs:...`, `<Id.Arn>`. */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flat).join(',');
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(flat).join(sep);
    }
    if ('Ref' in obj) return `<${String(obj.Ref)}>`;
    if ('Fn::Sub' in obj) return String(obj['Fn::Sub']).replace(/\$\{([^}]+)\}/g, '<$1>');
    if ('Fn::GetAtt' in obj) return `<${(obj['Fn::GetAtt'] as string[]).join('.')}>`;
    return JSON.stringify(obj);
  }
  return String(value);
}
