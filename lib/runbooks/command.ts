/**
 * Writing and checking the runbooks: the generated contract pages are written from the plan, and
 * `--check` runs every runbook check without writing. Used by scripts/generate-runbooks.ts and by a
 * `handoff runbooks [--check]` command.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { EXIT, type Io } from '../cli/io.js';
import { loadPlanOrReport, type PlanFlags, printProblems } from '../cli/load-plan.js';
import { PROJECT_ROOT } from '../cli/project.js';
import type { Plan } from '../plan/types.js';
import { checkRunbooks, isGeneratedPage } from './check.js';
import { CONTRACT_PAGES_DIR, type ContractPageOptions, contractPages } from './contract-pages.js';

/** A generated page could not be written or removed; `cause` holds the file system's error. */
export class RunbookWriteError extends Error {
  override readonly name = 'RunbookWriteError';
}

export interface WriteResult {
  /** Pages created or changed, relative to the project root. */
  written: string[];
  unchanged: string[];
  /** Generated pages of contracts that no longer exist. */
  removed: string[];
  /** Files in the pages folder that the generator did not write; left alone. */
  foreign: string[];
}

/**
 * Writes the generated contract pages under `projectRoot`, leaving identical files untouched, and
 * removes generated pages whose contract is gone. Files without the generator's marker are never
 * removed.
 */
export function writeContractPages(
  plan: Plan,
  projectRoot: string,
  options: ContractPageOptions = {},
): WriteResult {
  const pages = contractPages(plan, options);
  const result: WriteResult = { written: [], unchanged: [], removed: [], foreign: [] };
  for (const [path, content] of pages) {
    const file = join(projectRoot, path);
    if (existsSync(file) && readFileSync(file, 'utf8') === content) {
      result.unchanged.push(path);
      continue;
    }
    attempt(`write ${path}`, () => {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    });
    result.written.push(path);
  }
  const folder = join(projectRoot, CONTRACT_PAGES_DIR);
  for (const name of readdirSync(folder)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const path = `${CONTRACT_PAGES_DIR}/${name}`;
    if (pages.has(path)) continue;
    const file = join(projectRoot, path);
    if (isGeneratedPage(readFileSync(file, 'utf8'))) {
      attempt(`remove ${path}`, () => unlinkSync(file));
      result.removed.push(path);
    } else {
      result.foreign.push(path);
    }
  }
  return result;
}

/**
 * `handoff runbooks [--check]`: without `--check`, (re)writes runbooks/contracts/ from the contracts;
 * with it, writes nothing and reports every runbook problem (exit 1), including pages that are out
 * of date. `root` is the project holding runbooks/ (default: this project).
 */
export function runbooksCommand(flags: PlanFlags & { check?: boolean; root?: string }, io: Io): number {
  const loaded = loadPlanOrReport(flags, io);
  if ('exit' in loaded) return loaded.exit;
  const root = flags.root ?? PROJECT_ROOT;
  const options: ContractPageOptions = { contractsPath: projectRelative(root, loaded.dir) };
  if (flags.check) {
    const problems = checkRunbooks(loaded.plan, root, options);
    if (problems.length > 0) {
      printProblems(problems, loaded.dir, io);
      return EXIT.problems;
    }
    io.out(
      `✓ runbooks: ${loaded.plan.alarms.length} alarm links resolve, every failure-mode page has its sections and links, ${loaded.plan.contracts.length} contract pages are current`,
    );
    return EXIT.ok;
  }
  let result: WriteResult;
  try {
    result = writeContractPages(loaded.plan, root, options);
  } catch (error) {
    if (!(error instanceof RunbookWriteError)) throw error;
    io.err(`handoff runbooks: ${error.message}`);
    return EXIT.usage;
  }
  for (const path of result.written) io.out(`wrote ${path}`);
  for (const path of result.removed) io.out(`removed ${path} (its contract no longer exists)`);
  for (const path of result.foreign)
    io.err(`left ${path} alone: it was not generated, but no contract has this page; move or delete it`);
  io.out(
    `✓ ${result.written.length} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed in ${CONTRACT_PAGES_DIR}/`,
  );
  return EXIT.ok;
}

/** The contracts folder relative to the project root (absolute when outside it). */
function projectRelative(root: string, dir: string): string {
  const rel = relative(root, dir).split(sep).join('/');
  return rel.startsWith('..') || isAbsolute(rel) ? dir : rel;
}

function attempt(what: string, action: () => void): void {
  try {
    action();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new RunbookWriteError(`cannot ${what} (${code})`, { cause: error });
  }
}
