/**
 * The CLI commands that work on contracts: validate, plan, map, report, test-pattern.
 * Each returns an exit code; none prints a stack trace for a user's mistake.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContracts } from '../model/load.js';
import { testEventPattern } from '../patterns/index.js';
import { buildPlan } from '../plan/build.js';
import { checkRunbookLinks, checkStackSizes, pageAnchors } from '../plan/check.js';
import { buildMap, mapToMarkdown } from '../reports/map.js';
import { buildReport, reportToText } from '../reports/report.js';
import { EXIT, type Io, UsageError } from './io.js';
import { loadPlanOrReport, type PlanFlags, printProblems } from './load-plan.js';
import { defaultContractsDir, defaultRunbookBaseUrl, PROJECT_ROOT } from './project.js';

/** `handoff validate`: every problem in the contracts (and runbook links), all at once. */
export function validateCommand(flags: { contracts?: string; runbooks?: string }, io: Io): number {
  const dir = defaultContractsDir(flags.contracts);
  const loaded = loadContracts(dir);
  if (!loaded.estate) {
    printProblems(loaded.problems, dir, io);
    return EXIT.problems;
  }
  const plan = buildPlan(loaded.estate, { stage: 'dev', runbookBaseUrl: defaultRunbookBaseUrl(undefined) });
  const runbookRoot = flags.runbooks ?? PROJECT_ROOT;
  const problems = [...checkStackSizes(plan), ...checkRunbookLinks(plan, runbookRoot)];
  if (problems.length > 0) {
    printProblems(problems, dir, io);
    return EXIT.problems;
  }
  const e = loaded.estate;
  io.out(
    `✓ ${e.contracts.length} contracts, ${e.systems.length} systems, ${e.teams.length} teams valid ` +
      `(${loaded.files.length} files; ${e.contracts.reduce((n, c) => n + c.samples.length, 0)} samples match their routes and schemas; ` +
      `${hasRunbookPages(runbookRoot) ? `${plan.alarms.length} alarm runbook links resolve` : 'runbook links not checked: runbooks/ has no pages yet'})`,
  );
  return EXIT.ok;
}

/** `handoff plan`: the plan, as JSON or as a short summary. */
export function planCommand(flags: PlanFlags & { json?: boolean }, io: Io): number {
  const result = loadPlanOrReport(flags, io);
  if ('exit' in result) return result.exit;
  const { plan } = result;
  if (flags.json) {
    io.out(JSON.stringify(plan, null, 2));
    return EXIT.ok;
  }
  io.out(
    [
      `Plan for stage ${plan.stage} (fingerprint ${plan.fingerprint.slice(0, 12)})`,
      `  bus ${plan.bus.name}; archives: ${plan.bus.archives.map((a) => `${a.tier} ${a.retentionDays}d`).join(', ') || 'none'}`,
      `  ${plan.routes.length} routes, ${plan.functions.length} functions, ${plan.queues.length} dead-letter queues, 2 tables, ${plan.topics.length} topics, ${plan.alarms.length} alarms`,
      `  stacks: ${plan.stacks.map((s) => `${s.name} (${s.kind === 'core' ? 'core' : `${s.contracts.length} contracts`})`).join(', ')}`,
      '',
      'Routes',
      ...plan.routes.map((r) => {
        const fn = plan.functions.find((f) => f.name === r.functionName);
        return `  ${r.contractId.padEnd(34)} ${r.tier.padEnd(11)} EventBridge ${r.retry.attempts} attempts/${r.retry.maxEventAgeSeconds}s, Lambda ${fn?.async?.retry.attempts ?? 0} retries/${fn?.async?.retry.maxEventAgeSeconds ?? 0}s → ${r.deadLetterQueue}`;
      }),
      '',
      'Use --json for the whole plan.',
    ].join('\n'),
  );
  return EXIT.ok;
}

/** `handoff map`: the integration map as Markdown (default) or JSON. */
export function mapCommand(flags: PlanFlags & { format?: string }, io: Io): number {
  const format = flags.format ?? 'md';
  if (format !== 'md' && format !== 'json')
    throw new UsageError(`--format "${format}" is not supported; expected md or json`);
  const result = loadPlanOrReport(flags, io);
  if ('exit' in result) return result.exit;
  const map = buildMap(result.plan);
  io.out(format === 'json' ? JSON.stringify(map, null, 2) : mapToMarkdown(map));
  return EXIT.ok;
}

/** `handoff report`: dependency counts, failure-handling coverage, support visibility. */
export function reportCommand(
  flags: PlanFlags & { json?: boolean; incidents?: IncidentSource },
  io: Io,
): number {
  const result = loadPlanOrReport(flags, io);
  if ('exit' in result) return result.exit;
  const report = buildReport(result.plan, {
    runbookExists: (path) => runbookExists(PROJECT_ROOT, path),
    incidents: flags.incidents ?? [],
  });
  io.out(flags.json ? JSON.stringify(report, null, 2) : reportToText(report));
  return EXIT.ok;
}

function hasRunbookPages(root: string): boolean {
  const folder = join(root, 'runbooks');
  return existsSync(folder) && readdirSync(folder).some((f) => f.endsWith('.md'));
}

type IncidentSource = Parameters<typeof buildReport>[1]['incidents'];

/** Whether runbooks/<page>[#anchor] exists under the project root. */
export function runbookExists(root: string, path: string): boolean {
  const [page = '', anchor] = path.split('#');
  const file = join(root, page);
  if (!existsSync(file)) return false;
  return anchor ? pageAnchors(readFileSync(file, 'utf8')).has(anchor) : true;
}

/** `handoff test-pattern`: EventBridge's TestEventPattern, offline. */
export function testPatternCommand(flags: { pattern?: string; event?: string }, io: Io): number {
  if (!flags.pattern || !flags.event)
    throw new UsageError('test-pattern needs --pattern FILE and --event FILE');
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read the ${what} file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  const answer = testEventPattern(read(flags.pattern, 'pattern'), read(flags.event, 'event'));
  switch (answer.result) {
    case 'MATCH':
    case 'NO_MATCH':
      io.out(answer.result);
      return EXIT.ok;
    case 'INVALID':
      io.out(`INVALID: ${answer.reason}`);
      return EXIT.ok;
    case 'UNREADABLE':
      throw new UsageError(
        `the ${answer.what} file ${answer.what === 'event' ? flags.event : flags.pattern} is not valid JSON: ${answer.reason}`,
      );
  }
}
