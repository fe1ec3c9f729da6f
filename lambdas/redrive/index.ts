/** Lambda entry of the auto-redrive function: dependencies from the environment and the bundled plan. */
import { requireEnv } from '../commons/env.js';
import { createLogger } from '../commons/powertools.js';
import { bundledRuntimePlan } from '../commons/runtime-plan.js';
import { eventBridgeBus, sqsDeadLetterQueue } from './clients.js';
import { createRedriveHandler } from './handler.js';

const plan = bundledRuntimePlan();

export const handler = createRedriveHandler({
  sqs: sqsDeadLetterQueue(),
  events: eventBridgeBus(),
  plan: { ...plan, busName: requireEnv('HANDOFF_BUS_NAME') },
  // Every tier's URL is in the environment; only auto-redrive tiers' queues may be read (IAM).
  queueUrls: {
    critical: requireEnv('DEAD_LETTER_QUEUE_URL_CRITICAL'),
    standard: requireEnv('DEAD_LETTER_QUEUE_URL_STANDARD'),
    'best-effort': requireEnv('DEAD_LETTER_QUEUE_URL_BEST_EFFORT'),
  },
  logger: createLogger(),
});
