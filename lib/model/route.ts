/**
 * The EventBridge pattern that routes a contract's events: its source and detail-type, plus any
 * extra filter the contract declares. One function, so the CDK rule, the local router and
 * `validate` all use the same pattern.
 */
import type { Contract } from './types.js';

/** Fields a filter may not set, because the contract's source already decides them. */
export const RESERVED_FILTER_FIELDS = ['source', 'detail-type'] as const;

/** Builds the route pattern for a contract. */
export function routePattern(contract: Pick<Contract, 'source'>): Record<string, unknown> {
  const { eventSource, detailType, filter } = contract.source;
  return { ...(filter ?? {}), source: [eventSource], 'detail-type': [detailType] };
}

/** Fills in the envelope fields EventBridge always sets, so a sample reads like a delivered event. */
export function completeSampleEvent(event: Record<string, unknown>, index = 0): Record<string, unknown> {
  return {
    version: '0',
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    ...event,
  };
}
