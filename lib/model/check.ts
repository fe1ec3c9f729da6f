/**
 * Semantic checks across a contracts folder: references between files, duplicate ids, JMESPath
 * expressions, EventBridge patterns (with EventBridge's own rules), detail schemas, and samples
 * that must match their contract's route and schema. Every problem is collected, none thrown.
 */
import { compilePattern, validatePattern } from '../patterns/index.js';
import { createDetailValidator } from './detail-validator.js';
import { EntityExtractionError, extractEntity } from './entity.js';
import { checkExpression } from './jmespath.js';
import { applyMapping, MappingError, mappingExpressions } from './mapping.js';
import type { Problem } from './problems.js';
import { completeSampleEvent, RESERVED_FILTER_FIELDS, routePattern } from './route.js';
import { checkJsonSchema } from './schema-check.js';
import type { Contract, Estate, Mapping } from './types.js';
import type { YamlFile } from './yaml-file.js';

/** Limits that keep every contract deployable (names, alarm windows, Lambda timeouts). */
export const LIMITS = {
  /** `handoff-<stage>-<contract>` must fit Lambda's 64-character function names. */
  contractIdMaxLength: 46,
  stalenessSloSeconds: { min: 60, max: 86_400 },
  httpTimeoutSeconds: { min: 1, max: 20 },
  eventBridgeMaxEventAgeSeconds: { min: 60, max: 86_400 },
  lambdaMaxEventAgeSeconds: { min: 60, max: 21_600 },
  archiveRetentionDays: { max: 3650 },
} as const;

interface CheckOptions {
  tiersKnown: boolean;
  /** Whether teams.yaml / systems.yaml could be read at all (references are checked only then). */
  teamsRead: boolean;
  systemsRead: boolean;
  /** Every id the shared files declare, including items with structural mistakes. */
  knownTeamIds: Set<string>;
  knownSystemIds: Set<string>;
  /** Contracts that failed structure: their ids still count for duplicates. */
  unresolvedContracts: Array<{ id: string; file: string }>;
}

/** Runs every semantic check; `yamls` gives line numbers for the files that were read. */
export function checkEstate(estate: Estate, yamls: Map<string, YamlFile>, options: CheckOptions): Problem[] {
  const problems: Problem[] = [];
  const at = (file: string, path: Array<string | number>, message: string): Problem => ({
    file,
    line: yamls.get(file)?.lineOf(path),
    path: path.reduce<string>(
      (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
      '',
    ),
    message,
  });
  const teamIds = options.knownTeamIds;
  const systemIds = options.knownSystemIds;

  // Duplicates, each reported at its second declaration.
  duplicates(declaredItems(yamls.get('teams.yaml'), 'teams'), 'team', at, problems);
  duplicates(declaredItems(yamls.get('systems.yaml'), 'systems'), 'system', at, problems);
  duplicates(
    [...estate.contracts.map((c) => ({ id: c.id, file: c.source_.file })), ...options.unresolvedContracts]
      .sort((a, b) => a.file.localeCompare(b.file))
      .map((c) => ({ ...c, path: ['id'] })),
    'contract',
    at,
    problems,
  );

  estate.systems.forEach((system) => {
    const file = system.source.file;
    const i = declaredItems(yamls.get(file), 'systems').findIndex((item) => item.id === system.id);
    if (options.teamsRead && !teamIds.has(system.owner)) {
      problems.push(
        at(
          file,
          ['systems', i, 'owner'],
          `names team "${system.owner}", which teams.yaml does not declare${suggest(system.owner, teamIds)}`,
        ),
      );
    }
    duplicates(
      system.endpoints.map((e, j) => ({ id: e.id, file, path: ['systems', i, 'endpoints', j, 'id'] })),
      `endpoint of system "${system.id}"`,
      at,
      problems,
    );
    if (system.webhook) problems.push(...checkWebhook(system, file, i, at, estate));
    system.endpoints.forEach((endpoint, j) => {
      if (endpoint.kind === 'http') {
        const { min, max } = LIMITS.httpTimeoutSeconds;
        if (endpoint.timeoutSeconds < min || endpoint.timeoutSeconds > max) {
          problems.push(
            at(
              file,
              ['systems', i, 'endpoints', j, 'timeout'],
              `is ${endpoint.timeoutSeconds}s; expected between ${min}s and ${max}s (the handler must finish well inside its Lambda timeout)`,
            ),
          );
        }
      }
    });
  });

  if (options.tiersKnown) problems.push(...checkTiers(estate, at));
  const platformTeams = estate.teams.filter((t) => t.ownsPlatform);
  if (options.teamsRead && platformTeams.length !== 1 && estate.teams.length === teamIds.size) {
    const second = platformTeams[1];
    problems.push(
      second
        ? at(
            second.source.file,
            ['teams', estate.teams.indexOf(second), 'ownsPlatform'],
            `is set on ${platformTeams.map((t) => `"${t.id}"`).join(' and ')}; exactly one team runs handoff itself`,
          )
        : {
            file: 'teams.yaml',
            path: 'teams',
            message:
              "has no team with `ownsPlatform: true`; mark the team that runs handoff (it owns dead-letter queues and handoff's own alarms)",
          },
    );
  }

  for (const contract of estate.contracts) {
    problems.push(
      ...checkContract(
        contract,
        estate,
        { teamIds, systemIds, teamsRead: options.teamsRead, systemsRead: options.systemsRead },
        (path, message) => at(contract.source_.file, path, message),
      ),
    );
  }
  return problems;
}

function checkWebhook(
  system: Estate['systems'][number],
  file: string,
  i: number,
  at: (file: string, path: Array<string | number>, message: string) => Problem,
  estate: Estate,
): Problem[] {
  const problems: Problem[] = [];
  const webhook = system.webhook;
  if (!webhook) return problems;
  const base = ['systems', i, 'webhook'];
  if (system.id.length > 30) {
    problems.push(
      at(
        file,
        ['systems', i, 'id'],
        `is ${system.id.length} characters; a system with a webhook may have at most 30 (its receiver's AWS name is derived from it)`,
      ),
    );
  }
  const fields = {
    detailType: webhook.event.detailType,
    id: webhook.event.id,
    time: webhook.event.time,
    detail: webhook.event.detail,
  } as const;
  for (const [field, expression] of Object.entries(fields)) {
    if (expression === undefined) continue;
    const error = checkExpression(expression);
    if (error)
      problems.push(
        at(
          file,
          [...base, 'event', field],
          `is not a valid JMESPath expression over {body, headers} (${error})`,
        ),
      );
  }
  if (webhook.signature.scheme !== 'hmac-sha256') {
    const t = webhook.signature.toleranceSeconds;
    if (t < 30 || t > 3600)
      problems.push(
        at(
          file,
          [...base, 'signature', 'tolerance'],
          `is ${t}s; expected between 30s and 1h (a replay window)`,
        ),
      );
  }
  const fed = estate.contracts.filter(
    (c) => c.source.system === system.id && c.source.eventSource === webhook.event.source,
  );
  if (fed.length === 0) {
    problems.push(
      at(
        file,
        [...base, 'event', 'source'],
        `is "${webhook.event.source}", but no contract reads source "${webhook.event.source}" from system "${system.id}"; the webhook's events would route nowhere`,
      ),
    );
  }
  for (const [providerType, detailType] of Object.entries(webhook.event.detailTypes ?? {})) {
    if (!fed.some((c) => c.source.detailType === detailType)) {
      problems.push(
        at(
          file,
          [...base, 'event', 'detailTypes', providerType],
          `maps to "${detailType}", which no contract of system "${system.id}" reads`,
        ),
      );
    }
  }
  return problems;
}

function checkTiers(
  estate: Estate,
  at: (file: string, path: Array<string | number>, message: string) => Problem,
): Problem[] {
  const problems: Problem[] = [];
  const file = 'tiers.yaml';
  for (const tier of Object.values(estate.tiers)) {
    const base = ['tiers', tier.name];
    const range = (value: number, limits: { min: number; max: number }, path: string[], what: string) => {
      if (value < limits.min || value > limits.max) {
        problems.push(
          at(
            file,
            [...base, ...path],
            `is ${value}s; ${what} must be between ${limits.min}s and ${limits.max}s`,
          ),
        );
      }
    };
    range(
      tier.retries.eventBridge.maxEventAgeSeconds,
      LIMITS.eventBridgeMaxEventAgeSeconds,
      ['retries', 'eventBridge', 'maxEventAge'],
      'EventBridge maximum event age',
    );
    range(
      tier.retries.lambda.maxEventAgeSeconds,
      LIMITS.lambdaMaxEventAgeSeconds,
      ['retries', 'lambda', 'maxEventAge'],
      'Lambda maximum event age',
    );
    range(tier.stalenessSloSeconds, LIMITS.stalenessSloSeconds, ['stalenessSlo'], 'a staleness SLO');
    if (tier.deadLetters.maxAgeSeconds < 60)
      problems.push(
        at(
          file,
          [...base, 'deadLetters', 'maxAge'],
          'must be at least 60s (CloudWatch reports queue age per minute)',
        ),
      );
    if (tier.degraded.windowSeconds < 10)
      problems.push(at(file, [...base, 'degraded', 'window'], 'must be at least 10s'));
    if (tier.archiveRetentionDays > LIMITS.archiveRetentionDays.max) {
      problems.push(
        at(
          file,
          [...base, 'archiveRetention'],
          `is ${tier.archiveRetentionDays} days; expected at most ${LIMITS.archiveRetentionDays.max}`,
        ),
      );
    }
  }
  return problems;
}

interface Known {
  teamIds: Set<string>;
  systemIds: Set<string>;
  teamsRead: boolean;
  systemsRead: boolean;
}

function checkContract(
  contract: Contract,
  estate: Estate,
  known: Known,
  at: (path: Array<string | number>, message: string) => Problem,
): Problem[] {
  const problems: Problem[] = [];
  const { teamIds, systemIds } = known;
  if (contract.id.length > LIMITS.contractIdMaxLength) {
    problems.push(
      at(
        ['id'],
        `is ${contract.id.length} characters; expected at most ${LIMITS.contractIdMaxLength} (AWS resource names are derived from it)`,
      ),
    );
  }
  if (contract.id.startsWith('platform-')) {
    problems.push(at(['id'], 'starts with "platform-", which is reserved for handoff\'s own functions'));
  }
  const expectedFile = `${contract.id}.yaml`;
  if (
    !contract.source_.file.endsWith(expectedFile) &&
    !contract.source_.file.endsWith(`${contract.id}.yml`)
  ) {
    problems.push(
      at(
        ['id'],
        `is "${contract.id}" but the file is ${contract.source_.file}; name the file ${expectedFile} so people find it`,
      ),
    );
  }

  if (known.systemsRead) {
    if (!systemIds.has(contract.source.system))
      problems.push(
        at(
          ['source', 'system'],
          `names system "${contract.source.system}", which systems.yaml does not declare${suggest(contract.source.system, systemIds)}`,
        ),
      );
    const targetSystem = estate.systems.find((s) => s.id === contract.target.system);
    if (!systemIds.has(contract.target.system)) {
      problems.push(
        at(
          ['target', 'system'],
          `names system "${contract.target.system}", which systems.yaml does not declare${suggest(contract.target.system, systemIds)}`,
        ),
      );
    } else if (targetSystem) {
      const endpoint = targetSystem.endpoints.find((e) => e.id === contract.target.endpoint.id);
      const kind = contract.target.adapter;
      if (!endpoint) {
        const ids = targetSystem.endpoints.filter((e) => e.kind === kind).map((e) => e.id);
        problems.push(
          at(
            ['target', 'endpoint'],
            `names endpoint "${contract.target.endpoint.id}", which system "${targetSystem.id}" does not declare${ids.length ? `; it declares: ${ids.join(', ')}` : `; declare a ${kind} endpoint under systems.yaml`}`,
          ),
        );
      } else if (endpoint.kind !== kind) {
        problems.push(
          at(
            ['target', 'endpoint'],
            `is a ${endpoint.kind} endpoint but the adapter is ${kind}; expected a ${kind} endpoint`,
          ),
        );
      }
    }
    if (contract.source.system === contract.target.system) {
      problems.push(
        at(['target', 'system'], 'is the same as source.system; a contract moves data between two systems'),
      );
    }
  }
  if (known.teamsRead) {
    if (contract.ownerDeclared && !teamIds.has(contract.owner)) {
      problems.push(
        at(
          ['owner'],
          `names team "${contract.owner}", which teams.yaml does not declare${suggest(contract.owner, teamIds)}`,
        ),
      );
    }
    if (!contract.owner) {
      problems.push(
        at(
          ['owner'],
          'cannot be found: declare `owner`, or name a target system that has an owner in systems.yaml',
        ),
      );
    }
    contract.escalation.forEach((team, i) => {
      if (!teamIds.has(team))
        problems.push(
          at(
            ['escalation', i],
            `names team "${team}", which teams.yaml does not declare${suggest(team, teamIds)}`,
          ),
        );
    });
  }
  if (!contract.customerImpact)
    problems.push(
      at(['customerImpact'], 'is empty; say in plain words what customers feel when this handoff fails'),
    );
  if (!contract.fallback)
    problems.push(at(['fallback'], 'is empty; say what support can do while this handoff is failing'));

  const slo = contract.stalenessSloSeconds;
  if (slo < LIMITS.stalenessSloSeconds.min || slo > LIMITS.stalenessSloSeconds.max) {
    problems.push(
      at(
        ['stalenessSlo'],
        `is ${slo}s; expected between ${LIMITS.stalenessSloSeconds.min}s and ${LIMITS.stalenessSloSeconds.max}s`,
      ),
    );
  }

  // Expressions.
  for (const field of ['id', 'version'] as const) {
    const error = checkExpression(contract.entity[field]);
    if (error)
      problems.push(
        at(
          ['entity', field],
          `is not a valid JMESPath expression (${error}); expected e.g. detail.customerId`,
        ),
      );
  }
  const mapping: Mapping =
    contract.target.adapter === 'http' ? contract.target.request.body : contract.target.event.detail;
  const mappingPath =
    contract.target.adapter === 'http' ? ['target', 'request', 'body'] : ['target', 'event', 'detail'];
  let mappingOk = true;
  for (const { field, expression } of mappingExpressions(mapping)) {
    const error = checkExpression(expression);
    if (error) {
      mappingOk = false;
      problems.push(
        at([...mappingPath, ...field.split('.')], `is not a valid JMESPath expression (${error})`),
      );
    }
  }
  if (contract.target.adapter === 'http' && /\{(?!id\})[^}]*\}/.test(contract.target.request.path)) {
    problems.push(
      at(
        ['target', 'request', 'path'],
        'uses a placeholder other than {id}; only {id} (the entity id) is supported',
      ),
    );
  }

  // Pattern.
  const reserved = RESERVED_FILTER_FIELDS.filter(
    (f) => contract.source.filter && f in contract.source.filter,
  );
  for (const field of reserved) {
    problems.push(
      at(
        ['source', 'filter', field],
        `may not be set in a filter; use source.${field === 'source' ? 'eventSource' : 'detailType'}`,
      ),
    );
  }
  const pattern = routePattern(contract);
  const patternProblems = validatePattern(pattern);
  for (const p of patternProblems) {
    const inFilter = p.path.split('.')[0] !== 'source' && p.path.split('.')[0] !== 'detail-type';
    problems.push(
      at(
        inFilter ? ['source', 'filter', ...splitPatternPath(p.path)] : ['source'],
        `is not a valid EventBridge pattern: ${p.message}`,
      ),
    );
  }

  // Detail schema.
  const schemaErrors = checkJsonSchema(contract.schema);
  for (const error of schemaErrors) problems.push(at(['schema'], `is not a valid JSON Schema: ${error}`));

  // Samples: each must route to this contract, satisfy the schema, and yield an entity and a body.
  const matcher = patternProblems.length === 0 ? compilePattern(pattern) : undefined;
  const detailValidator = schemaErrors.length === 0 ? safeValidator(contract.schema) : undefined;
  contract.samples.forEach((sample, i) => {
    const event = completeSampleEvent(sample.event, i);
    const base = ['samples', i];
    const label = `sample "${sample.name}"`;
    if (matcher && !matcher.matches(event)) {
      problems.push(
        at(
          [...base, 'event'],
          `${label} does not match the contract's route (source "${contract.source.eventSource}", detail-type "${contract.source.detailType}"${contract.source.filter ? ', filter' : ''})`,
        ),
      );
    }
    if (detailValidator) {
      for (const v of detailValidator.validate(event.detail)) {
        problems.push(
          at([...base, 'event', ...splitPatternPath(v.path)], `${label}: ${v.path} ${v.message}`),
        );
      }
    }
    if (!problems.some((p) => p.path.startsWith('entity'))) {
      try {
        extractEntity(contract.entity, event);
      } catch (error) {
        if (error instanceof EntityExtractionError)
          problems.push(at([...base, 'event'], `${label}: ${error.message}`));
        else throw error;
      }
    }
    if (mappingOk) {
      try {
        applyMapping(mapping, event);
      } catch (error) {
        if (error instanceof MappingError)
          problems.push(at([...base, 'event'], `${label}: ${error.message}`));
        else throw error;
      }
    }
  });
  return problems;
}

function safeValidator(schema: Record<string, unknown>) {
  try {
    return createDetailValidator(schema);
  } catch {
    return undefined;
  }
}

function splitPatternPath(path: string): Array<string | number> {
  return path
    .split(/\.|\[(\d+)\]/)
    .filter((s): s is string => s !== undefined && s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function declaredItems(
  yaml: YamlFile | undefined,
  key: string,
): Array<{ id: string; file: string; path: Array<string | number> }> {
  const list = (yaml?.data as Record<string, unknown> | null | undefined)?.[key];
  if (!yaml || !Array.isArray(list)) return [];
  return list.flatMap((item, i) => {
    const id = (item as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? [{ id, file: yaml.file, path: [key, i, 'id'] }] : [];
  });
}

function duplicates(
  items: Array<{ id: string; file: string; path: Array<string | number> }>,
  what: string,
  at: (file: string, path: Array<string | number>, message: string) => Problem,
  problems: Problem[],
): void {
  const first = new Map<string, { file: string }>();
  for (const item of items) {
    const earlier = first.get(item.id);
    if (earlier)
      problems.push(
        at(
          item.file,
          item.path,
          `duplicates ${what} id "${item.id}" (first declared in ${earlier.file}); ids must be unique`,
        ),
      );
    else first.set(item.id, item);
  }
}

/** "; did you mean X?" when a close id exists. */
function suggest(value: string, known: Set<string>): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = levenshtein(value, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best && bestDistance <= Math.max(2, Math.floor(value.length / 3))
    ? `; did you mean "${best}"?`
    : known.size
      ? `; known: ${[...known].join(', ')}`
      : '';
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = i - 1;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const temp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = temp;
    }
  }
  return row[b.length] ?? 0;
}
