/** Loading the example contracts (and plans of them) for tests. */
import { loadContracts } from '../../lib/model/load.js';
import type { Estate } from '../../lib/model/types.js';
import { buildPlan, type PlanOptions } from '../../lib/plan/build.js';
import type { Plan } from '../../lib/plan/types.js';
import { EXAMPLE_CONTRACTS } from './paths.js';

/** The example estate; fails the test with every problem when the examples are invalid. */
export function exampleEstate(dir = EXAMPLE_CONTRACTS): Estate {
  const loaded = loadContracts(dir);
  if (!loaded.estate)
    throw new Error(`example contracts have problems:\n${JSON.stringify(loaded.problems, null, 2)}`);
  return loaded.estate;
}

/** The plan of the example estate. */
export function examplePlan(options: Partial<PlanOptions> = {}, dir = EXAMPLE_CONTRACTS): Plan {
  return buildPlan(exampleEstate(dir), {
    stage: 'dev',
    runbookBaseUrl: 'https://runbooks.example.com/runbooks',
    ...options,
  });
}
