/**
 * The status API's routes, end to end: match, validate, read, build the answer. Takes its clients
 * as dependencies (handler.ts wires them for Lambda; the local layer and tests pass their own).
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { ContractPlan, TierName } from '../../lib/plan/types.js';
import type { QueueAttributeReader } from '../commons/aws.js';
import type { DynamoDoc } from '../commons/dynamo-doc.js';
import { mapLimit } from '../commons/map-limit.js';
import type { HealthRecord, IncidentRecord } from '../commons/records.js';
import {
  buildContractDetail,
  buildContractSummary,
  byHealth,
  type ContractReads,
  queueView,
} from './contracts.js';
import { buildEntityStatus, contractsFor } from './entities.js';
import { NotFoundError } from './errors.js';
import { type ApiRequest, jsonResponse } from './http.js';
import { incidentDetail, incidentSummary, notesOf } from './incidents.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { buildOwnership } from './ownership.js';
import { assetResponse, pageResponse, wantsPage } from './page/serve.js';
import { buildPriorities } from './priorities.js';
import { ALL_ROUTES, matchRoute, type RouteDef } from './router.js';
import {
  addIncidentNote,
  decodeCursor,
  encodeCursor,
  entityRecords,
  getIncident,
  healthRecord,
  lastSuccess,
  listIncidents,
  openIncidents,
  ownershipItems,
  queueDepth,
  type StoreContext,
  unsyncedItems,
} from './store.js';
import {
  checkContract,
  checkEntityId,
  checkEntityType,
  checkId,
  checkIncidentQuery,
  checkNoteBody,
  entityTypes,
  ID_PATTERN,
  MAX_ID_LENGTH,
} from './validate.js';

/** Everything the status API needs. */
export interface StatusApiDeps {
  /** The sync-state and operations tables' client. */
  dynamo: Pick<DynamoDoc, 'get' | 'query' | 'update'>;
  /** Dead-letter queue depths. */
  sqs: QueueAttributeReader;
  plan: RuntimePlan;
  tables: { syncState: string; operations: string };
  /** Each tier's dead-letter queue URL (for the tier-level depth). */
  queueUrls: Partial<Record<TierName, string>>;
  now(): Date;
  /** Powertools logger; never given events, paths or ids of entities. */
  logger: Logger;
}

/** Contracts read in parallel at most (keeps a large estate's list within DynamoDB's comfort). */
export const CONTRACT_CONCURRENCY = 8;

/** Answers one checked request; throws StatusApiError subclasses for every 4xx. */
export async function route(
  deps: StatusApiDeps,
  request: ApiRequest,
  signal?: AbortSignal,
): Promise<{ route: RouteDef; response: APIGatewayProxyStructuredResultV2 }> {
  const match = matchRoute(request.method, request.segments, request.query, ALL_ROUTES);
  const params = match.params;
  const ctx: StoreContext = { dynamo: deps.dynamo, sqs: deps.sqs, tables: deps.tables, signal };
  const { plan } = deps;
  const ok = (body: unknown, status = 200, headers: Record<string, string> = {}) => ({
    route: match.route,
    response: jsonResponse(status, body, headers),
  });

  switch (match.route.id) {
    case 'entity': {
      const type = checkEntityType(plan, params.type ?? '');
      const contracts = contractsFor(plan, type);
      const id = checkEntityId(contracts, type, params.id ?? '');
      const records = await entityRecords(ctx, type, id);
      // Health decides degraded (retrying records) and auto-redrive wording (failed ones).
      const needHealth = records.filter((r) => r.state !== 'in_sync').map((r) => r.contractId);
      const health = new Map<string, HealthRecord | undefined>(
        await Promise.all(needHealth.map(async (c) => [c, await healthRecord(ctx, c)] as const)),
      );
      return ok(buildEntityStatus({ plan, type, id, records, health, now: deps.now() }));
    }
    case 'contracts': {
      const [incidents, queues] = await Promise.all([openIncidents(ctx), tierQueues(deps, ctx)]);
      const reads = await mapLimit(plan.contracts, CONTRACT_CONCURRENCY, (c) =>
        contractReads(ctx, c, incidents.items),
      );
      const now = deps.now();
      const contracts = plan.contracts
        .map((c, i) => buildContractSummary(plan, c, reads[i] as ContractReads, now))
        .sort(byHealth(plan));
      return ok({
        checkedAt: now.toISOString(),
        contracts,
        deadLetterQueues: queues,
        openIncidentsComplete: incidents.complete,
      });
    }
    case 'contract': {
      const contract = checkContract(plan, params.id ?? '');
      const [incidents, queue] = await Promise.all([
        openIncidents(ctx),
        queueDepth(ctx, deps.queueUrls[contract.tier]),
      ]);
      const reads = await contractReads(ctx, contract, incidents.items);
      return ok(buildContractDetail(plan, contract, reads, queue, deps.now()));
    }
    case 'priorities': {
      const incidents = await openIncidents(ctx);
      const reads = await mapLimit(plan.contracts, CONTRACT_CONCURRENCY, (c) =>
        contractReads(ctx, c, incidents.items),
      );
      const now = deps.now();
      const summaries = plan.contracts.map((c, i) =>
        buildContractSummary(plan, c, reads[i] as ContractReads, now),
      );
      const openedAt = new Map<string, string>();
      for (const incident of incidents.items) {
        if (!incident.contractId) continue;
        const known = openedAt.get(incident.contractId);
        if (!known || incident.openedAt < known) openedAt.set(incident.contractId, incident.openedAt);
      }
      return ok(buildPriorities(plan, summaries, openedAt, now));
    }
    case 'incidents': {
      const query = checkIncidentQuery(request.query);
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.state);
      const page = await listIncidents(ctx, query.state, query.limit, cursor);
      const now = deps.now();
      return ok({
        state: query.state,
        incidents: page.incidents.map((i) => incidentSummary(plan, i, now)),
        nextCursor: page.next ? encodeCursor(page.next) : null,
      });
    }
    case 'incident': {
      const id = checkId(params.id ?? '', 'incident_id');
      const incident = await getIncident(ctx, id);
      if (!incident) throw new NotFoundError('incident_not_found', 'no incident has this id');
      return ok(incidentDetail(plan, incident, deps.now()));
    }
    case 'incidentNotes': {
      const id = checkId(params.id ?? '', 'incident_id');
      const note = checkNoteBody(request.headers, request.body);
      const at = deps.now().toISOString();
      const author = note.author ?? request.callerArn ?? 'unknown caller';
      const updated: IncidentRecord = await addIncidentNote(ctx, id, { at, author, text: note.text });
      const notes = notesOf(updated);
      deps.logger.info('incident note added', { incidentId: id, notesCount: notes.length });
      return ok({ incidentId: id, note: { at, author, text: note.text }, notesCount: notes.length }, 201, {
        location: `/v1/incidents/${encodeURIComponent(id)}`,
      });
    }
    case 'ownership': {
      const items = await ownershipItems(ctx);
      return ok(buildOwnership(plan, items, deps.now()));
    }
    case 'openapi':
      return ok(OPENAPI_DOCUMENT);
    case 'meta':
      return ok(buildMeta(plan));
    case 'page':
      // API clients asking for JSON at the root get the API's 404, not a page they cannot read.
      if (!wantsPage(request.headers))
        throw new NotFoundError(
          'route_not_found',
          'no such path; the API is described at GET /v1/openapi.json (the support page at / is for browsers: Accept: text/html)',
        );
      return { route: match.route, response: pageResponse(request.headers) };
    case 'asset':
      return { route: match.route, response: assetResponse(params.file ?? '', request.headers) };
  }
}

/** The answer of GET /v1/meta: what a client needs to offer a search (the support page reads it). */
export interface Meta {
  stage: string;
  /** Entity types the contracts carry, each with the contracts that carry it. */
  entityTypes: Array<{ type: string; contracts: string[] }>;
  /** The rule every entity id must follow (a contract may narrow it, e.g. to whole numbers). */
  entityId: { pattern: string; maxLength: number; description: string };
}

/** Builds the meta answer from the plan. */
export function buildMeta(plan: RuntimePlan): Meta {
  return {
    stage: plan.stage,
    entityTypes: entityTypes(plan).map((type) => ({
      type,
      contracts: plan.contracts.filter((c) => c.entity.type === type).map((c) => c.id),
    })),
    entityId: {
      pattern: ID_PATTERN.source,
      maxLength: MAX_ID_LENGTH,
      description: 'letters, digits and . _ : @ + = ~ -',
    },
  };
}

async function contractReads(
  ctx: StoreContext,
  contract: ContractPlan,
  incidents: IncidentRecord[],
): Promise<ContractReads> {
  const [health, lastSuccessAt, unsynced] = await Promise.all([
    healthRecord(ctx, contract.id),
    lastSuccess(ctx, contract.id),
    unsyncedItems(ctx, contract.id),
  ]);
  return {
    health,
    lastSuccessAt,
    unsynced,
    incidents: incidents.filter((i) => i.contractId === contract.id),
  };
}

async function tierQueues(deps: StatusApiDeps, ctx: StoreContext) {
  return Promise.all(
    deps.plan.tiers.map(async (t) =>
      queueView(deps.plan, t.name, await queueDepth(ctx, deps.queueUrls[t.name])),
    ),
  );
}
