/**
 * The status API's OpenAPI 3.1 document, served at GET /v1/openapi.json. Component schemas are JSON
 * Schema 2020-12 and closed (`additionalProperties: false`), so the conformance tests, which check
 * every real response against them, catch any drift between the handler and this document.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
const time = (description?: string): Schema => ({
  type: 'string',
  format: 'date-time',
  ...(description ? { description } : {}),
});
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const int = (description?: string): Schema => ({
  type: 'integer',
  minimum: 0,
  ...(description ? { description } : {}),
});
const arr = (items: Schema): Schema => ({ type: 'array', items });

/** A closed object schema; every property required unless listed in `optional`. */
function obj(properties: Record<string, Schema>, optional: string[] = [], description?: string): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
    ...(description ? { description } : {}),
  };
}

const SUPPORT_STATES = ['in_sync', 'retrying', 'degraded', 'stale', 'failed', 'unknown'];
const FAILURE_CLASSES = ['transient', 'permanent', 'config'];

const teamView = {
  id: str(),
  name: str(),
  oncallChannel: nullable(str()),
  pager: nullable(str()),
  email: nullable(str()),
  hours: nullable(str('When the team answers, e.g. "24x7" or "Mon-Fri 08:00-18:00 Europe/London".')),
  onDuty: nullable({
    type: 'boolean',
    description: 'From the declared hours at the time of the answer; null when unknown.',
  }),
};

const unsyncedCounts = obj(
  {
    retrying: int(),
    degraded: int(),
    stale: int(),
    failed: int(),
    complete: {
      type: 'boolean',
      description: 'False when the counts are lower bounds (too many to read in one answer).',
    },
    oldestPendingSince: nullable(time()),
    failedByClass: obj({ transient: int(), permanent: int(), config: int(), unclassified: int() }),
  },
  [],
  'Entities of the contract not in sync, by the state support sees.',
);

const contractSummary = {
  id: str(),
  description: str(),
  tier: str(),
  health: { enum: ['ok', 'degraded', 'stale', 'failing'] },
  healthReasons: arr(str()),
  owner: ref('Team'),
  source: ref('SystemRef'),
  target: ref('SystemRef'),
  openIncidents: int(),
  deadLettersWaiting: int('Entities whose change was dead-lettered and waits for a fix or redrive.'),
  countsComplete: { type: 'boolean' },
  unsynced: ref('UnsyncedCounts'),
  lastSuccessAt: nullable(time('Newest delivered change of any entity.')),
  degradedSince: nullable(time()),
};

const incidentSummary = {
  id: str(),
  state: { enum: ['open', 'resolved'] },
  title: str(),
  failureMode: str(),
  severity: str(),
  tier: str(),
  contractId: nullable(str()),
  summary: str(),
  owner: ref('Team'),
  openedAt: time(),
  resolvedAt: nullable(time()),
  durationSeconds: nullable(int()),
  notesCount: int(),
  runbook: ref('RunbookLink'),
};

const schemas: Record<string, Schema> = {
  Error: obj(
    {
      error: obj(
        {
          code: str(
            'Stable, machine-readable: e.g. invalid_entity_id, contract_not_found, method_not_allowed.',
          ),
          message: str('What is wrong and what is expected; never repeats unsafe input.'),
          requestId: str('Quote it when asking for help.'),
        },
        ['requestId'],
      ),
    },
    [],
    'A problem response (4xx and 5xx).',
  ),
  Team: obj(teamView, [], 'A team and how to reach it.'),
  TeamRef: obj({ id: str(), name: str() }),
  SystemRef: obj({ id: str(), name: str('Display name, e.g. "Helpdesk (Zendesk)".') }),
  RunbookLink: obj({ title: str(), url: { type: 'string', format: 'uri' } }),
  SupportState: {
    enum: SUPPORT_STATES,
    description:
      'in_sync: delivered; retrying: being retried within the SLO; degraded: retried while the target fails; stale: waiting longer than the SLO; failed: dead-lettered, needs people; unknown: never seen.',
  },
  Command: obj({ purpose: str(), command: str('Copy-pasteable shell command.') }),
  RetryOutlook: obj({
    attempts: int(),
    maxAttempts: int(),
    nextTryAround: nullable(time()),
    retriesEndAround: time('When the last automatic retry runs if retries run on time.'),
    latestRetryBy: time("The latest a retry can run: the change's start plus the tier's maximum event age."),
  }),
  EntityContractStatus: obj({
    contractId: str(),
    description: str(),
    tier: str(),
    source: ref('SystemRef'),
    target: ref('SystemRef'),
    state: ref('SupportState'),
    stateText: str(),
    freshness: obj({
      sloSeconds: int(),
      lastSyncedAt: nullable(time()),
      lastSyncedAgeSeconds: nullable(int()),
      pendingSince: nullable(time()),
      waitingSeconds: nullable(int()),
      withinSlo: { type: 'boolean' },
    }),
    retry: nullable(ref('RetryOutlook')),
    lastFailure: nullable(
      obj({
        at: nullable(time()),
        class: nullable({ enum: FAILURE_CLASSES }),
        summary: str(),
        reason: nullable(str()),
        attempts: int(),
      }),
    ),
    owner: ref('Team'),
    escalation: arr(ref('Team')),
    customerImpact: str(),
    fallback: str(),
    nextAction: str('What support does next, in plain language.'),
    runbook: nullable(ref('RunbookLink')),
  }),
  EntityStatus: obj({
    entity: obj({ type: str(), id: str() }),
    checkedAt: time(),
    verdict: obj({
      state: ref('SupportState'),
      inSync: { type: 'boolean' },
      summary: str(),
      nextAction: str(),
      contractId: nullable(str()),
      counts: obj(Object.fromEntries(SUPPORT_STATES.map((s) => [s, int()]))),
    }),
    contracts: arr(ref('EntityContractStatus')),
  }),
  UnsyncedCounts: unsyncedCounts,
  DeadLetterQueue: obj({
    tier: str(),
    name: str(),
    approximateMessages: nullable(int('SQS ApproximateNumberOfMessages for the whole tier queue.')),
    approximateMessagesInFlight: nullable(int()),
    note: nullable(str()),
  }),
  ContractSummary: obj(contractSummary),
  ContractList: obj({
    checkedAt: time(),
    contracts: arr(ref('ContractSummary')),
    deadLetterQueues: arr(ref('DeadLetterQueue')),
    openIncidentsComplete: { type: 'boolean' },
  }),
  ContractDetail: obj({
    ...contractSummary,
    checkedAt: time(),
    escalation: arr(ref('Team')),
    customerImpact: str(),
    fallback: str(),
    stalenessSloSeconds: int(),
    tierPolicy: obj({
      severity: str(),
      retries: str(),
      autoRedrive: { type: 'boolean' },
      description: str(),
    }),
    lastFailure: nullable(obj({ at: time(), reason: nullable(str()) })),
    oldestUnsynced: arr(
      obj({
        type: str(),
        id: str(),
        state: ref('SupportState'),
        pendingSince: nullable(time()),
        failureClass: nullable({ enum: FAILURE_CLASSES }),
        reason: nullable(str()),
      }),
    ),
    incidents: arr(ref('IncidentSummary')),
    deadLetterQueue: ref('DeadLetterQueue'),
    runbooks: arr(obj({ failureMode: str(), title: str(), url: { type: 'string', format: 'uri' } })),
    commands: arr(ref('Command')),
  }),
  Priorities: obj({
    checkedAt: time(),
    summary: str(),
    priorities: arr(
      obj({
        rank: { type: 'integer', minimum: 1 },
        contractId: str(),
        tier: str(),
        severity: str(),
        health: { enum: ['degraded', 'stale', 'failing'] },
        healthReasons: arr(str()),
        entitiesAffected: int(),
        entitiesAffectedComplete: { type: 'boolean' },
        since: nullable(time()),
        durationSeconds: nullable(int()),
        openIncidents: int(),
        fix: obj({ system: ref('SystemRef'), team: ref('Team'), what: str() }),
        reason: str('Why it has this rank: the rule that puts it ahead of the next one.'),
      }),
    ),
    healthy: arr(str()),
  }),
  Meta: obj(
    {
      stage: str('The stage this API was deployed to, e.g. prod.'),
      entityTypes: arr(obj({ type: str(), contracts: arr(str()) })),
      entityId: obj({
        pattern: str('ECMAScript regular expression every entity id matches.'),
        maxLength: { type: 'integer', minimum: 1 },
        description: str('The allowed characters, in words.'),
      }),
    },
    [],
    'What a client needs to offer a search: the entity types and the id rule.',
  ),
  IncidentNote: obj({ at: time(), author: str(), text: str() }),
  IncidentSummary: obj(incidentSummary),
  IncidentDetail: obj({
    ...incidentSummary,
    alarmName: str(),
    customerImpact: str(),
    nextAction: str(),
    escalation: arr(ref('Team')),
    contract: nullable(
      obj({
        id: str(),
        description: str(),
        fallback: str(),
        source: ref('SystemRef'),
        target: ref('SystemRef'),
        statusPath: str(),
      }),
    ),
    commands: arr(ref('Command')),
    notes: arr(ref('IncidentNote')),
  }),
  IncidentList: obj({
    state: { enum: ['open', 'resolved'] },
    incidents: arr(ref('IncidentSummary')),
    nextCursor: nullable(str('Pass as ?cursor= for the next page; null on the last page.')),
  }),
  NoteInput: obj(
    {
      text: {
        type: 'string',
        minLength: 1,
        maxLength: 2000,
        description: 'No email addresses or other personal data.',
      },
      author: { type: 'string', minLength: 1, maxLength: 200, description: 'Defaults to the IAM caller.' },
    },
    ['author'],
  ),
  NoteCreated: obj({ incidentId: str(), note: ref('IncidentNote'), notesCount: int() }),
  Ownership: obj({
    source: { enum: ['table', 'plan'] },
    fingerprint: nullable(str()),
    current: { type: 'boolean' },
    notice: nullable(str()),
    teams: arr(obj({ ...teamView, systems: arr(str()), contracts: arr(str()) })),
    systems: arr(
      obj({
        id: str(),
        name: str(),
        description: str(),
        owner: ref('TeamRef'),
        sourceOf: arr(str()),
        targetOf: arr(str()),
      }),
    ),
    contracts: arr(
      obj({
        id: str(),
        tier: str(),
        owner: ref('TeamRef'),
        escalationPath: arr(ref('TeamRef')),
        source: ref('SystemRef'),
        target: ref('SystemRef'),
      }),
    ),
  }),
};

const problem = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const ok = (schema: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(schema) } },
});
const common = {
  '500': errorRef('InternalError'),
  '503': errorRef('Unavailable'),
};
const pathParam = (
  name: string,
  description: string,
  schema: Schema = { type: 'string', pattern: '^[A-Za-z0-9._:@+=~-]{1,256}$' },
) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});

/** The OpenAPI 3.1 document of the status API. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  info: {
    title: 'handoff status API',
    version: '1.0.0',
    summary: 'Is a customer in sync, what to do, who owns it, what to fix first.',
    description:
      'Read routes are GET /v1/...; the only write is POST /v1/incidents/{id}/notes, granted separately in IAM. Every request is signed with AWS SigV4 (API Gateway IAM authorisation). Answers are JSON, never cached, and never contain payloads or personal data. The same function serves the support page at GET / (HTML for browsers) and its assets at GET /assets/{file}; they are not part of this API.',
  },
  servers: [{ url: '/' }],
  security: [{ sigv4: [] }],
  tags: [
    { name: 'support', description: 'Questions support asks' },
    { name: 'on-call', description: 'Questions on-call asks' },
  ],
  paths: {
    '/v1/entities/{type}/{id}': {
      get: {
        operationId: 'getEntityStatus',
        tags: ['support'],
        summary: 'Is this entity in sync, and what do I do?',
        description:
          'For every contract that carries entities of this type: state, freshness against the SLO, last failure, owner and escalation, customer impact, next action and runbook; plus one verdict.',
        parameters: [
          pathParam('type', 'Entity type, e.g. customer.', {
            type: 'string',
            pattern: '^[a-z][a-z0-9-]{0,31}$',
          }),
          pathParam('id', 'Entity id, e.g. 42.'),
        ],
        responses: {
          '200': ok('EntityStatus', 'The entity across its contracts.'),
          '400': errorRef('BadRequest'),
          '404': errorRef('NotFound'),
          ...common,
        },
      },
    },
    '/v1/contracts': {
      get: {
        operationId: 'listContracts',
        tags: ['support', 'on-call'],
        summary: 'Health of every contract, worst first',
        responses: { '200': ok('ContractList', 'Every contract.'), '400': errorRef('BadRequest'), ...common },
      },
    },
    '/v1/contracts/{id}': {
      get: {
        operationId: 'getContract',
        tags: ['support', 'on-call'],
        summary: 'One contract: health, unsynced entities, incidents, dead letters, runbooks, commands',
        parameters: [
          pathParam('id', 'Contract id.', { type: 'string', pattern: '^[a-z][a-z0-9-]{1,44}[a-z0-9]$' }),
        ],
        responses: {
          '200': ok('ContractDetail', 'The contract.'),
          '400': errorRef('BadRequest'),
          '404': errorRef('NotFound'),
          ...common,
        },
      },
    },
    '/v1/priorities': {
      get: {
        operationId: 'getPriorities',
        tags: ['on-call'],
        summary: 'Which system to fix first',
        description:
          'Contracts that are not ok, ranked by tier, then entities affected, then duration, each with its reason.',
        responses: { '200': ok('Priorities', 'The ranking.'), '400': errorRef('BadRequest'), ...common },
      },
    },
    '/v1/incidents': {
      get: {
        operationId: 'listIncidents',
        tags: ['support', 'on-call'],
        summary: 'Open or resolved incidents, newest first',
        parameters: [
          {
            name: 'state',
            in: 'query',
            required: false,
            schema: { enum: ['open', 'resolved'], default: 'open' },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            schema: { type: 'string' },
            description: 'nextCursor of the previous page.',
          },
        ],
        responses: {
          '200': ok('IncidentList', 'A page of incidents.'),
          '400': errorRef('BadRequest'),
          ...common,
        },
      },
    },
    '/v1/incidents/{id}': {
      get: {
        operationId: 'getIncident',
        tags: ['on-call'],
        summary: 'One incident: owner, runbook, next action, commands, notes',
        parameters: [pathParam('id', 'Incident id.')],
        responses: {
          '200': ok('IncidentDetail', 'The incident.'),
          '400': errorRef('BadRequest'),
          '404': errorRef('NotFound'),
          ...common,
        },
      },
    },
    '/v1/incidents/{id}/notes': {
      post: {
        operationId: 'addIncidentNote',
        tags: ['on-call'],
        summary: 'Add a resolution note (needs the separate write permission)',
        parameters: [pathParam('id', 'Incident id.')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('NoteInput') } } },
        responses: {
          '201': {
            ...ok('NoteCreated', 'The note was added.'),
            headers: { Location: { schema: { type: 'string' }, description: 'The incident.' } },
          },
          '400': errorRef('BadRequest'),
          '404': errorRef('NotFound'),
          '409': problem('The incident holds the maximum number of notes.'),
          '413': problem('The body is larger than 8 KiB.'),
          '415': problem('The body is not application/json.'),
          ...common,
        },
      },
    },
    '/v1/ownership': {
      get: {
        operationId: 'getOwnership',
        tags: ['support', 'on-call'],
        summary: 'Systems, owning teams and escalation paths',
        responses: { '200': ok('Ownership', 'Who owns what.'), '400': errorRef('BadRequest'), ...common },
      },
    },
    '/v1/meta': {
      get: {
        operationId: 'getMeta',
        tags: ['support'],
        summary: 'Entity types, the id rule and the stage (for building a search)',
        responses: { '200': ok('Meta', 'The search metadata.'), '400': errorRef('BadRequest'), ...common },
      },
    },
    '/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        tags: ['support', 'on-call'],
        summary: 'This document',
        responses: {
          '200': {
            description: 'The OpenAPI 3.1 document.',
            content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } },
          },
          '400': errorRef('BadRequest'),
          ...common,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      sigv4: {
        type: 'apiKey',
        name: 'Authorization',
        in: 'header',
        description:
          'AWS Signature Version 4 (service execute-api), e.g. curl --aws-sigv4 "aws:amz:<region>:execute-api".',
      },
    },
    responses: {
      BadRequest: problem(
        'A path or query parameter is malformed; the message says which and what is expected.',
      ),
      NotFound: problem('No such path, entity type, contract or incident.'),
      MethodNotAllowed: problem('The path exists for another method; the Allow header lists it.'),
      InternalError: problem('The API failed; quote the requestId.'),
      Unavailable: problem('DynamoDB or SQS did not answer in time; retry after the Retry-After seconds.'),
    },
    schemas,
  },
} as const;
