/**
 * The incidents function's wiring: CloudWatch alarm state changes (the plan's
 * `alarm-state-changes` rule on the default bus) open one incident per alarm and resolve it on OK.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { readAlarmStateChange } from './alarm-event.js';
import { buildIncident, incidentIdFor } from './incident.js';
import { type IncidentOutcome, openIncident, resolveIncident } from './store.js';

export interface IncidentsHandlerDeps {
  ddb: DynamoDoc;
  /** The operations table. */
  tableName: string;
  plan: RuntimePlan;
  logger: Logger;
}

/** Builds the handler; it returns what it did, for tests and the local layer. */
export function createIncidentsHandler(deps: IncidentsHandlerDeps) {
  const store = { ddb: deps.ddb, tableName: deps.tableName };
  const alarms = new Map(deps.plan.alarms.map((a) => [a.name, a]));

  return middy<unknown, IncidentOutcome>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const read = readAlarmStateChange(event);
      if ('problem' in read) {
        // Retrying cannot fix a malformed event: say why and drop it.
        deps.logger.warn('alarm state change ignored', { problem: read.problem });
        return { action: 'ignored', reason: read.problem };
      }
      const { change } = read;
      deps.logger.appendKeys({ alarmName: change.alarmName, alarmState: change.state });
      const alarm = alarms.get(change.alarmName);
      const rebuild = alarm
        ? (id: string, openedAt: string) => buildIncident(alarm, deps.plan, { id, openedAt })
        : undefined;

      let outcome: IncidentOutcome;
      if (change.state === 'ALARM') {
        if (!rebuild) {
          deps.logger.info('alarm is not in the plan; no incident opened');
          return { action: 'ignored', reason: 'the alarm is not in the plan' };
        }
        const id = incidentIdFor(change.alarmName, change.at, deps.plan.prefix);
        outcome = await openIncident(store, rebuild(id, change.at), rebuild);
      } else if (change.state === 'OK') {
        // Resolve even alarms no longer in the plan, so their incidents do not stay open forever.
        outcome = await resolveIncident(store, change.alarmName, change.at, rebuild);
      } else {
        outcome = { action: 'ignored', reason: 'INSUFFICIENT_DATA changes no incident' };
      }
      deps.logger.info(`incident ${outcome.action}`, {
        ...outcome,
        ...(alarm
          ? {
              failureMode: alarm.failureMode,
              contractId: alarm.scope.kind === 'contract' ? alarm.scope.contractId : undefined,
            }
          : {}),
      });
      return outcome;
    });
}
