/**
 * Constants the plan and the handlers share; kept apart from build.ts so Lambda bundles import
 * only what they use.
 */

/** Source and detail-type of the event a sync handler puts on the bus when a degraded contract recovers. */
export const RECOVERY_EVENT = { source: 'handoff.platform', detailType: 'Contract Recovered' } as const;
