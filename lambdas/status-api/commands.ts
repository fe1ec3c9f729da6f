/**
 * The exact commands on-call runs for a contract, a tier or one of handoff's own functions: list
 * and redrive dead letters with handoff's CLI, and read the right log. Names are deterministic
 * (lib/plan/names.ts), so these are copy-pasteable for the stage this function was deployed to.
 */
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { ContractPlan } from '../../lib/plan/types.js';

/** A command on-call can copy and run. */
export interface Command {
  /** What running it tells or does, in a few words. */
  purpose: string;
  command: string;
}

/** The local layer's stage: its CLI commands take --local instead of --stage. */
const LOCAL_STAGE = 'local';

function target(plan: RuntimePlan): string {
  return plan.stage === LOCAL_STAGE ? '--local' : `--stage ${plan.stage}`;
}

/** Dead-letter commands for a tier, optionally narrowed to one contract. */
export function deadLetterCommands(plan: RuntimePlan, tier: string, contractId?: string): Command[] {
  const scope = `${target(plan)} --tier ${tier}${contractId ? ` --contract ${contractId}` : ''}`;
  return [
    { purpose: 'List the dead letters (support-safe summaries)', command: `./bin/handoff dlq list ${scope}` },
    {
      purpose: 'Show what a redrive would send, without sending',
      command: `./bin/handoff dlq redrive ${scope} --dry-run`,
    },
    {
      purpose: 'Redrive once the cause is fixed (safe to repeat: synced versions are skipped)',
      command: `./bin/handoff dlq redrive ${scope}`,
    },
  ];
}

/** Commands for one contract: its dead letters and its handler's log. */
export function contractCommands(
  plan: RuntimePlan,
  contract: Pick<ContractPlan, 'id' | 'tier' | 'functionName'>,
): Command[] {
  return [
    ...deadLetterCommands(plan, contract.tier, contract.id),
    ...(plan.stage === LOCAL_STAGE
      ? []
      : [
          {
            purpose: "Read the contract handler's log for the last hour",
            command: `aws logs tail /aws/lambda/${contract.functionName} --since 1h`,
          },
        ]),
  ];
}

/** Commands for one of handoff's own functions. */
export function platformCommands(plan: RuntimePlan, functionName: string): Command[] {
  return plan.stage === LOCAL_STAGE
    ? []
    : [
        {
          purpose: "Read the function's log for the last hour",
          command: `aws logs tail /aws/lambda/${functionName} --since 1h`,
        },
      ];
}
