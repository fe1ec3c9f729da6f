/**
 * The `handoff dlq` flags (node:util parseArgs options). A module of their own so bin/cli.ts can
 * declare the command without loading lib/cli/dlq.ts, and with it the AWS SDK.
 */
export const DLQ_OPTIONS = {
  stage: { type: 'string' },
  local: { type: 'boolean' },
  data: { type: 'string' },
  tier: { type: 'string' },
  contract: { type: 'string' },
  class: { type: 'string' },
  'dry-run': { type: 'boolean' },
  rate: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  contracts: { type: 'string' },
} as const;
