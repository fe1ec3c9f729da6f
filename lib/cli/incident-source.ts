/**
 * Where `handoff report` gets incidents for its support-visibility signal: the operations table of
 * a deployed stage (`--stage S`) or of the local layer (`--local`), read through the `byKind`
 * index (open and resolved incidents; never a scan). Without either flag the report has none.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { INDEXES, type IncidentRecord, KINDS } from '../../lambdas/commons/records.js';
import { names } from '../plan/names.js';
import type { IncidentSummary } from '../reports/report.js';
import {
  clientsFor,
  explainAwsError,
  resolveTarget,
  type Target,
  type TargetClients,
  TargetUnavailableError,
} from './dlq.js';
import { EXIT, type Io } from './io.js';

/** Reads every incident (open and resolved) from an operations table, as the report needs them. */
export async function readIncidents(
  ddb: DynamoDBDocumentClient,
  tableName: string,
): Promise<IncidentSummary[]> {
  const incidents: IncidentSummary[] = [];
  for (const kind of [KINDS.openIncident, KINDS.resolvedIncident]) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEXES.byKind,
          KeyConditionExpression: '#kind = :kind',
          ExpressionAttributeNames: {
            '#kind': 'kind',
            '#state': 'state',
            '#owner': 'owner',
            '#impact': 'customerImpact',
            '#next': 'nextAction',
            '#notes': 'notes',
          },
          ExpressionAttributeValues: { ':kind': kind },
          ProjectionExpression: '#state, #owner, #impact, #next, #notes',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of (page.Items ?? []) as Array<Partial<IncidentRecord>>) {
        incidents.push({
          state: item.state === 'resolved' || kind === KINDS.resolvedIncident ? 'resolved' : 'open',
          ...(typeof item.owner === 'string' ? { owner: item.owner } : {}),
          ...(typeof item.customerImpact === 'string' ? { customerImpact: item.customerImpact } : {}),
          ...(typeof item.nextAction === 'string' ? { nextAction: item.nextAction } : {}),
          notes: Array.isArray(item.notes) ? item.notes : [],
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return incidents;
}

/**
 * The report's incidents for `--stage S` / `--local [--data DIR]`, or none without either flag.
 * Problems reaching the target are printed as one line; the caller returns `exit`.
 */
export async function incidentsForReport(
  values: Record<string, unknown>,
  io: Io,
  deps: { clients?: (target: Target) => Pick<TargetClients, 'ddb'> } = {},
): Promise<{ incidents: IncidentSummary[] } | { exit: number }> {
  if (values.stage === undefined && values.local !== true && values.data === undefined)
    return { incidents: [] };
  let target: Target;
  try {
    target = resolveTarget(values);
  } catch (error) {
    if (error instanceof TargetUnavailableError) {
      io.err(`handoff report: ${error.message}`);
      return { exit: EXIT.problems };
    }
    throw error;
  }
  const tableName = names.table(target.stage, 'operations');
  try {
    const { ddb } = (deps.clients ?? clientsFor)(target);
    const incidents = await readIncidents(ddb, tableName);
    io.err(`${incidents.length} incident${incidents.length === 1 ? '' : 's'} read from ${tableName}`);
    return { incidents };
  } catch (error) {
    io.err(`handoff report: ${explainAwsError(error, target, `reading incidents from ${tableName}`)}`);
    return { exit: EXIT.problems };
  }
}
