/**
 * The plan's event patterns are EventBridge JSON (`detail-type`, `$or`, content filters). CDK's
 * EventPattern type spells `detail-type` as `detailType` and renders every other key unchanged,
 * so the JSON reaches CloudFormation exactly as the plan wrote it.
 */
import type * as events from 'aws-cdk-lib/aws-events';

/** The plan's pattern as a CDK EventPattern that renders back to the same JSON. */
export function toEventPattern(pattern: Record<string, unknown>): events.EventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) out[key === 'detail-type' ? 'detailType' : key] = value;
  return out as events.EventPattern;
}
