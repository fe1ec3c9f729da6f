/**
 * Shared by commands that need a plan: load the contracts, report problems the same way
 * `validate` does, and build the plan.
 */
import { relative } from 'node:path';
import { loadContracts } from '../model/load.js';
import { formatProblem, type Problem } from '../model/problems.js';
import { buildPlan } from '../plan/build.js';
import { checkStackSizes } from '../plan/check.js';
import { STAGE_PATTERN } from '../plan/names.js';
import type { Plan } from '../plan/types.js';
import { EXIT, type Io, UsageError } from './io.js';
import { defaultContractsDir, defaultRunbookBaseUrl } from './project.js';

export interface PlanFlags {
  contracts?: string;
  stage?: string;
  runbookBaseUrl?: string;
}

/** Loads contracts and builds the plan; on problems prints them and returns the exit code. */
export function loadPlanOrReport(flags: PlanFlags, io: Io): { plan: Plan; dir: string } | { exit: number } {
  const stage = flags.stage ?? 'dev';
  if (!STAGE_PATTERN.test(stage)) {
    throw new UsageError(
      `--stage "${stage}" is not a stage name; expected 2-8 lower-case letters or digits, starting with a letter (e.g. dev, prod)`,
    );
  }
  const dir = defaultContractsDir(flags.contracts);
  const loaded = loadContracts(dir);
  if (!loaded.estate) {
    printProblems(loaded.problems, dir, io);
    return { exit: EXIT.problems };
  }
  const plan = buildPlan(loaded.estate, {
    stage,
    runbookBaseUrl: defaultRunbookBaseUrl(flags.runbookBaseUrl),
  });
  const sizes = checkStackSizes(plan);
  if (sizes.length > 0) {
    printProblems(sizes, dir, io);
    return { exit: EXIT.problems };
  }
  return { plan, dir };
}

/** Prints problems as "file:line path: message" lines, with a count. */
export function printProblems(problems: Problem[], dir: string, io: Io): void {
  const shown = relative(process.cwd(), dir) || '.';
  for (const problem of problems) {
    io.err(
      formatProblem({
        ...problem,
        file: problem.file && !problem.inProject ? `${shown}/${problem.file}` : problem.file,
      }),
    );
  }
  const files = new Set(problems.map((p) => p.file)).size;
  io.err(
    `\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`,
  );
}
