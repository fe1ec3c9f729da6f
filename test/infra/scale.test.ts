/**
 * A team with 100 contracts must still deploy: every stack stays under CloudFormation's 500
 * resources and 1 MB template. Figures (time, resources per contract) are printed by
 * scripts/synth-scale.ts; here only the limits are asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CONTRACTS_PER_STACK } from '../../lib/plan/check.js';
import {
  CLOUDFORMATION_RESOURCE_LIMIT,
  CLOUDFORMATION_TEMPLATE_BYTES,
  generateContracts,
  planOf,
  synthesise,
} from '../../scripts/synth-scale.js';

const work = mkdtempSync(join(tmpdir(), 'handoff-scale-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('100 contracts', () => {
  // A limit for a loaded CI machine, not a performance assertion (scripts/synth-scale.ts measures).
  it('synthesise into stacks that all stay within CloudFormation limits', { timeout: 180_000 }, () => {
    // Prepare
    generateContracts(join(work, 'hundred'), 100);
    const plan = planOf(join(work, 'hundred'));

    // Act
    const figures = synthesise(plan, join(work, 'hundred-out'), false, false);

    // Assess
    expect(plan.contracts).toHaveLength(100);
    expect(new Set(plan.contracts.map((c) => c.tier))).toEqual(
      new Set(['critical', 'standard', 'best-effort']),
    );
    expect(new Set(plan.contracts.map((c) => c.target.adapter))).toEqual(new Set(['http', 'eventbridge']));
    expect(figures.stacks).toHaveLength(plan.stacks.length);
    expect(figures.stacks.length).toBeGreaterThan(5);
    for (const stack of figures.stacks) {
      expect(stack.resources, stack.name).toBeLessThan(CLOUDFORMATION_RESOURCE_LIMIT);
      expect(stack.templateBytes, stack.name).toBeLessThan(CLOUDFORMATION_TEMPLATE_BYTES);
    }
    expect(figures.stacks.reduce((n, s) => n + s.contracts, 0)).toBe(100);
  });
});

describe(`a full stack of ${MAX_CONTRACTS_PER_STACK} contracts`, () => {
  it('stays under the limits with margin, even with alarm descriptions at their longest', {
    timeout: 120_000,
  }, () => {
    // Prepare
    generateContracts(join(work, 'full'), MAX_CONTRACTS_PER_STACK, {
      stackGroup: 'everything',
      longText: true,
    });
    const plan = planOf(join(work, 'full'));

    // Act
    const figures = synthesise(plan, join(work, 'full-out'), false, false);

    // Assess
    const stack = figures.stacks.find((s) => s.contracts === MAX_CONTRACTS_PER_STACK) ?? expect.unreachable();
    expect(plan.alarms.filter((a) => a.stack === stack.name).every((a) => a.description.length > 1000)).toBe(
      true,
    );
    // 10% headroom for what a later version adds per contract.
    expect(stack.resources).toBeLessThanOrEqual(CLOUDFORMATION_RESOURCE_LIMIT * 0.9);
    expect(stack.templateBytes).toBeLessThanOrEqual(CLOUDFORMATION_TEMPLATE_BYTES * 0.95);
  });
});
