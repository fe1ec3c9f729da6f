/**
 * The one test that bundles: the real sync handler, for one contracts stack, with esbuild in
 * process. The bundle must be one ESM file with its own contract's runtime plan compiled in, import
 * no AWS SDK (its AWS client is commons/aws-json.ts, with util-dynamodb bundled in), and load under
 * Node with the environment the template gives it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPlan } from '../../lib/infra/render-plan.js';
import { decodeRuntimePlan, RUNTIME_PLAN_GLOBAL } from '../../lib/plan/runtime.js';
import { examplePlan } from '../helpers/estate.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { EXAMPLE_ENDPOINTS, entryFor, flat } from './synth.js';

const SYNC_ENTRY = join(PROJECT_ROOT, 'lambdas', 'sync', 'index.ts');
// Inside the project, so any bare package import the bundle keeps resolves from its node_modules.
const cache = join(PROJECT_ROOT, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const outdir = mkdtempSync(join(cache, 'handoff-bundling-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('bundling a contract handler', () => {
  it.skipIf(!existsSync(SYNC_ENTRY))(
    'produces one ESM file per function, with its own runtime plan, that loads',
    async () => {
      // Prepare
      const plan = examplePlan();
      const group =
        plan.stacks.find((s) => s.kind === 'contracts' && s.contracts.length >= 2) ?? expect.unreachable();
      const app = new App({
        outdir,
        builtinCloudFormationValidation: false,
        context: { 'aws:cdk:bundling-stacks': [group.name], 'aws:cdk:enable-asset-metadata': true },
      });
      renderPlan(app, plan, { endpoints: EXAMPLE_ENDPOINTS, entryFor });

      // Act
      const assembly = app.synth();

      // Assess
      const template = assembly.getStackByName(group.name).template as {
        Resources: Record<
          string,
          { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
        >;
      };
      const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
      expect(functions).toHaveLength(group.contracts.length);
      for (const fn of functions) {
        const contractId = String(fn.Properties.FunctionName).replace(`${plan.prefix}-`, '');
        const bundle = readFileSync(join(outdir, fn.Metadata?.['aws:asset:path'] ?? '', 'index.mjs'), 'utf8');
        const others = group.contracts.filter((id) => id !== contractId);

        // The compiled-in plan is one string literal (brotli, base64): decode it and look inside.
        const literal = /"([A-Za-z0-9+/=]{200,})"/.exec(bundle)?.[1] ?? expect.unreachable('no plan literal');
        const embedded = decodeRuntimePlan(literal);
        expect(embedded.contracts.map((c) => c.id)).toEqual([contractId]);
        for (const other of others) expect(bundle.includes(other), `not ${other}`).toBe(false);
        // The name survives in an error message; as an identifier it must be gone.
        expect(bundle.includes(`typeof ${RUNTIME_PLAN_GLOBAL}`), 'global replaced').toBe(false);
        // No AWS SDK at runtime (the lean client); util-dynamodb's marshalling is bundled in.
        expect(/from\s*"@aws-sdk\//.test(bundle), 'no SDK import left to the runtime').toBe(false);
        expect(bundle.includes('class DynamoDBServiceException'), 'SDK not bundled').toBe(false);
        expect(bundle.includes('removeUndefinedValues=true'), 'util-dynamodb bundled').toBe(true);
        expect(
          bundle.startsWith('import { createRequire as __handoffCreateRequire }'),
          'ESM require banner',
        ).toBe(true);

        const env = fn.Properties.Environment as { Variables: Record<string, unknown> };
        const saved = { ...process.env };
        try {
          Object.assign(process.env, { AWS_REGION: 'eu-west-1' });
          for (const [name, value] of Object.entries(env.Variables)) process.env[name] = flat(value);
          const loaded = (await import(
            pathToFileURL(join(outdir, fn.Metadata?.['aws:asset:path'] ?? '', 'index.mjs')).href
          )) as {
            handler?: unknown;
          };
          expect(typeof loaded.handler).toBe('function');
        } finally {
          process.env = saved;
        }
      }
    },
  );
});
