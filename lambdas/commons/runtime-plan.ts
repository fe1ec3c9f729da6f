/**
 * The runtime plan bundled into this function (see lib/plan/runtime.ts). esbuild replaces the
 * global below with the encoded plan at synth; the local layer and tests pass plans explicitly.
 */
import { decodeRuntimePlan, RUNTIME_PLAN_GLOBAL, type RuntimePlan } from '../../lib/plan/runtime.js';

declare const __HANDOFF_RUNTIME_PLAN__: string | undefined;

/** The plan bundled at synth; throws when the function was built without one. */
export function bundledRuntimePlan(): RuntimePlan {
  if (typeof __HANDOFF_RUNTIME_PLAN__ === 'undefined') {
    throw new Error(
      `this function was bundled without ${RUNTIME_PLAN_GLOBAL}; deploy it with the handoff stacks`,
    );
  }
  return decodeRuntimePlan(__HANDOFF_RUNTIME_PLAN__);
}
