/**
 * Loads a contracts folder: `systems.yaml`, `teams.yaml`, `tiers.yaml` and one YAML file per
 * contract anywhere else in the folder. Returns the resolved estate together with *every* problem
 * found, so `handoff validate` can report all mistakes in one run.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { checkEstate } from './check.js';
import { parseDuration } from './duration.js';
import { type Problem, sortProblems } from './problems.js';
import { checkStructure, type FileKind } from './structure.js';
import {
  type Contract,
  type ContractDocument,
  type Endpoint,
  type Estate,
  type System,
  type SystemDocument,
  type Team,
  type TeamDocument,
  TIER_NAMES,
  type Tier,
  type TierDocument,
  type TierName,
  type Webhook,
  type WebhookDocument,
} from './types.js';
import { readYaml, type YamlFile } from './yaml-file.js';

/** The shared files every contracts folder has. */
export const SHARED_FILES = { systems: 'systems.yaml', teams: 'teams.yaml', tiers: 'tiers.yaml' } as const;

/** Default per-request timeout for HTTP endpoints. */
export const DEFAULT_HTTP_TIMEOUT_SECONDS = 5;
/** Webhook defaults: a five-minute replay window, JSON bodies, EventBridge's event size limit. */
export const WEBHOOK_DEFAULTS = {
  toleranceSeconds: 300,
  contentTypes: ['application/json'],
  maxBodyBytes: 262_144,
} as const;

/** What loading a contracts folder produced. `estate` is set only when there are no problems. */
export interface LoadResult {
  estate?: Estate;
  problems: Problem[];
  /** The files read, relative to the folder (for messages such as "read 9 files"). */
  files: string[];
}

/** Loads, resolves and checks a contracts folder. Never throws for a user's mistake. */
export function loadContracts(dir: string): LoadResult {
  const problems: Problem[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { problems: [{ file: '', path: '', message: `${dir} is not a folder of contracts` }], files: [] };
  }
  const files = listYamlFiles(dir);
  /** Reads a file; returns it with the indexes of top-level list items that failed structure. */
  const read = (
    file: string,
    kind: FileKind,
  ): { yaml: YamlFile; valid: boolean; badItems: Set<number> } | undefined => {
    const result = readYaml(join(dir, file), file);
    problems.push(...result.problems);
    if (!result.yaml) return undefined;
    const structural = checkStructure(kind, result.yaml);
    problems.push(...structural);
    const badItems = new Set(
      structural
        .map((p) => /^\w+\[(\d+)\]/.exec(p.path)?.[1])
        .filter((i): i is string => i !== undefined)
        .map(Number),
    );
    return { yaml: result.yaml, valid: structural.length === 0, badItems };
  };

  const shared: Partial<Record<keyof typeof SHARED_FILES, NonNullable<ReturnType<typeof read>>>> = {};
  for (const [kind, file] of Object.entries(SHARED_FILES) as Array<[keyof typeof SHARED_FILES, string]>) {
    if (!files.includes(file)) {
      problems.push({
        file,
        path: '',
        message: `is missing: every contracts folder needs ${file} (see contracts/README.md)`,
      });
      continue;
    }
    const result = read(file, kind);
    if (result) shared[kind] = result;
  }
  const contractFiles = files.filter((file) => !Object.values(SHARED_FILES).includes(file as never));
  const contractReads = contractFiles
    .map((file) => read(file, 'contract'))
    .filter((r): r is NonNullable<typeof r> => !!r);
  const contractYamls = contractReads.filter((r) => r.valid).map((r) => r.yaml);

  // Shared files with structural mistakes still contribute their well-formed items, and every id
  // they declare counts as known, so one typo does not hide the reference checks elsewhere.
  const teams = shared.teams ? resolveTeams(shared.teams.yaml, shared.teams.badItems) : [];
  const tiers = shared.tiers?.valid ? resolveTiers(shared.tiers.yaml) : undefined;
  const systems = shared.systems ? resolveSystems(shared.systems.yaml, shared.systems.badItems) : [];
  const declaredIds = (entry: { yaml: YamlFile } | undefined, key: string) =>
    new Set(
      listItems(entry?.yaml.data, key)
        .map((item) => (item as { id?: unknown }).id)
        .filter((id): id is string => typeof id === 'string'),
    );

  const estate: Estate = {
    dir,
    teams,
    systems,
    tiers: tiers ?? placeholderTiers(),
    contracts: contractYamls.map((yaml) => resolveContract(yaml, systems, tiers)),
  };
  const yamlByFile = new Map<string, YamlFile>(
    [...contractReads, ...Object.values(shared)].map((r) => [r.yaml.file, r.yaml]),
  );
  // Semantic checks run on whatever resolved, so reference mistakes are reported alongside
  // structural ones in other files.
  problems.push(
    ...checkEstate(estate, yamlByFile, {
      tiersKnown: tiers !== undefined,
      teamsRead: shared.teams !== undefined,
      systemsRead: shared.systems !== undefined,
      knownTeamIds: declaredIds(shared.teams, 'teams'),
      knownSystemIds: declaredIds(shared.systems, 'systems'),
      unresolvedContracts: contractReads
        .filter((r) => !r.valid && typeof (r.yaml.data as { id?: unknown } | null)?.id === 'string')
        .map((r) => ({ id: (r.yaml.data as { id: string }).id, file: r.yaml.file })),
    }),
  );
  if (contractFiles.length === 0) {
    problems.push({
      file: '',
      path: '',
      message: 'holds no contracts: add one YAML file per contract (see contracts/README.md)',
    });
  }
  const sorted = sortProblems(problems);
  return sorted.length === 0 ? { estate, problems: [], files } : { problems: sorted, files };
}

/** YAML files under the folder, relative and with forward slashes; skips hidden folders and `schema/`. */
function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'schema') walk(full);
      } else if (/\.ya?ml$/.test(entry.name)) {
        out.push(relative(dir, full).split(sep).join('/'));
      }
    }
  };
  walk(dir);
  return out;
}

function listItems(data: unknown, key: string): unknown[] {
  const list = (data as Record<string, unknown> | null)?.[key];
  return Array.isArray(list) ? list.filter((item) => item !== null && typeof item === 'object') : [];
}

function resolveTeams(yaml: YamlFile, badItems: Set<number>): Team[] {
  return (listItems(yaml.data, 'teams') as TeamDocument[])
    .map((team, index) => ({ team, index }))
    .filter(({ index }) => !badItems.has(index))
    .map(({ team, index }) => ({
      ...team,
      source: { file: yaml.file, line: yaml.lineOf(['teams', index]) },
    }));
}

function resolveTiers(yaml: YamlFile): Record<TierName, Tier> {
  const doc = yaml.data as { tiers: Record<TierName, TierDocument> };
  const out = {} as Record<TierName, Tier>;
  for (const name of TIER_NAMES) {
    const t = doc.tiers[name];
    out[name] = {
      name,
      description: t.description,
      retries: {
        eventBridge: {
          attempts: t.retries.eventBridge.attempts,
          maxEventAgeSeconds: seconds(t.retries.eventBridge.maxEventAge),
        },
        lambda: {
          attempts: t.retries.lambda.attempts,
          maxEventAgeSeconds: seconds(t.retries.lambda.maxEventAge),
        },
      },
      deadLetters: {
        alarmThreshold: t.deadLetters.alarmThreshold,
        maxAgeSeconds: seconds(t.deadLetters.maxAge),
      },
      severity: t.severity,
      stalenessSloSeconds: seconds(t.stalenessSlo),
      archiveRetentionDays: Math.ceil(seconds(t.archiveRetention) / 86_400),
      autoRedrive: t.autoRedrive,
      degraded: { failures: t.degraded.failures, windowSeconds: seconds(t.degraded.window) },
    };
  }
  return out;
}

function resolveSystems(yaml: YamlFile, badItems: Set<number>): System[] {
  return (listItems(yaml.data, 'systems') as SystemDocument[])
    .map((system, index) => ({ system, index }))
    .filter(({ index }) => !badItems.has(index))
    .map(({ system, index }) => ({
      id: system.id,
      name: system.name,
      owner: system.owner,
      description: system.description,
      endpoints: (system.endpoints ?? []).map(
        (endpoint): Endpoint =>
          endpoint.kind === 'http'
            ? {
                id: endpoint.id,
                kind: 'http',
                url: endpoint.url,
                auth: endpoint.auth ?? { type: 'none' },
                timeoutSeconds:
                  endpoint.timeout === undefined ? DEFAULT_HTTP_TIMEOUT_SECONDS : seconds(endpoint.timeout),
              }
            : { id: endpoint.id, kind: 'eventbridge', busArn: endpoint.busArn },
      ),
      ...(system.webhook ? { webhook: resolveWebhook(system.webhook) } : {}),
      source: { file: yaml.file, line: yaml.lineOf(['systems', index]) },
    }));
}

function resolveWebhook(doc: WebhookDocument): Webhook {
  const tolerance = (value: unknown) =>
    value === undefined ? WEBHOOK_DEFAULTS.toleranceSeconds : seconds(value);
  const signature: Webhook['signature'] =
    doc.signature.scheme === 'hmac-sha256'
      ? {
          scheme: 'hmac-sha256',
          header: doc.signature.header.toLowerCase(),
          encoding: doc.signature.encoding ?? 'hex',
          prefix: doc.signature.prefix ?? '',
        }
      : doc.signature.scheme === 'stripe'
        ? {
            scheme: 'stripe',
            header: (doc.signature.header ?? 'Stripe-Signature').toLowerCase(),
            toleranceSeconds: tolerance(doc.signature.tolerance),
          }
        : { scheme: 'standard-webhooks', toleranceSeconds: tolerance(doc.signature.tolerance) };
  return {
    signature,
    secrets: doc.secrets,
    event: { ...doc.event, detail: doc.event.detail ?? 'body' },
    contentTypes: doc.contentTypes ?? [...WEBHOOK_DEFAULTS.contentTypes],
    maxBodyBytes: doc.maxBodySize ?? WEBHOOK_DEFAULTS.maxBodyBytes,
  };
}

function resolveContract(
  yaml: YamlFile,
  systems: System[],
  tiers: Record<TierName, Tier> | undefined,
): Contract {
  const doc = yaml.data as ContractDocument;
  const targetSystem = systems.find((s) => s.id === doc.target.system);
  const endpoint = targetSystem?.endpoints.find((e) => e.id === doc.target.endpoint);
  const owner = doc.owner ?? targetSystem?.owner ?? '';
  const target: Contract['target'] =
    doc.target.adapter === 'http'
      ? {
          system: doc.target.system,
          adapter: 'http',
          endpoint:
            endpoint?.kind === 'http'
              ? endpoint
              : {
                  id: doc.target.endpoint,
                  kind: 'http',
                  url: '',
                  auth: { type: 'none' },
                  timeoutSeconds: DEFAULT_HTTP_TIMEOUT_SECONDS,
                },
          request: {
            method: doc.target.request.method ?? 'PUT',
            path: doc.target.request.path,
            body: doc.target.request.body,
          },
        }
      : {
          system: doc.target.system,
          adapter: 'eventbridge',
          endpoint:
            endpoint?.kind === 'eventbridge'
              ? endpoint
              : { id: doc.target.endpoint, kind: 'eventbridge', busArn: '' },
          event: doc.target.event,
        };
  return {
    id: doc.id,
    description: doc.description,
    source: doc.source,
    target,
    entity: doc.entity,
    schema: doc.schema,
    tier: doc.tier,
    owner,
    ownerDeclared: doc.owner !== undefined,
    customerImpact: doc.customerImpact.trim(),
    stalenessSloSeconds:
      doc.stalenessSlo !== undefined
        ? seconds(doc.stalenessSlo)
        : (tiers?.[doc.tier].stalenessSloSeconds ?? 0),
    fallback: doc.fallback.trim(),
    escalation: doc.escalation,
    personalData: doc.personalData ?? [],
    stackGroup: doc.deployment?.stack ?? owner,
    samples: doc.samples,
    source_: { file: yaml.file, line: yaml.lineOf([]) },
  };
}

function seconds(value: unknown): number {
  // Structure was validated against the schema, so the value is a duration.
  return parseDuration(value) ?? 0;
}

/** Stand-in when tiers.yaml could not be read, so contract checks still run and report. */
function placeholderTiers(): Record<TierName, Tier> {
  const tier = (name: TierName): Tier => ({
    name,
    description: '',
    retries: {
      eventBridge: { attempts: 0, maxEventAgeSeconds: 60 },
      lambda: { attempts: 0, maxEventAgeSeconds: 60 },
    },
    deadLetters: { alarmThreshold: 1, maxAgeSeconds: 60 },
    severity: 'ticket',
    stalenessSloSeconds: 3600,
    archiveRetentionDays: 0,
    autoRedrive: false,
    degraded: { failures: 1, windowSeconds: 60 },
  });
  return { critical: tier('critical'), standard: tier('standard'), 'best-effort': tier('best-effort') };
}
