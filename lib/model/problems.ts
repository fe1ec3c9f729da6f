/**
 * Problems found in a contracts folder. Every check collects problems instead of throwing, so a
 * user sees all of their mistakes in one run, each pointing at a file, a line and a field.
 */

/** One mistake in the user's contracts, with where it is and what was expected. */
export interface Problem {
  /** File, relative to the contracts folder ('' when the problem is about the folder). */
  file: string;
  /** Set when `file` is relative to the project (runbooks), not to the contracts folder. */
  inProject?: true;
  /** 1-based line, where known. */
  line?: number;
  /** Field path inside the file, e.g. "target.endpoint" or "systems[2].owner". */
  path: string;
  /** What is wrong and what was expected. */
  message: string;
}

/** Renders a problem as "file:line path: message" for terminals and CI logs. */
export function formatProblem(problem: Problem): string {
  const where = problem.file
    ? `${problem.file}${problem.line ? `:${problem.line}` : ''}`
    : '(contracts folder)';
  const field = problem.path ? ` ${problem.path}:` : '';
  return `${where}${field} ${problem.message}`;
}

/** Orders problems by file, then line, so the report reads top to bottom. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.path.localeCompare(b.path),
  );
}

/** Raised by library code when a contracts folder cannot be used; carries every problem found. */
export class ContractProblemsError extends Error {
  override readonly name = 'ContractProblemsError';
  constructor(readonly problems: Problem[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the contracts:\n${problems.map(formatProblem).join('\n')}`,
    );
  }
}

/** Joins a field path the way people read it: a.b[2].c */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base ? `${base}.${key}` : key;
}
