/**
 * Checks that keep the runbooks true: every failure mode has its page and heading, every page has the
 * sections an operator looks for, every link between pages resolves, no placeholder is swallowed as
 * HTML, and the generated contract pages match the contracts. Each check returns problems (file,
 * line, what is wrong) instead of throwing, so one run shows all of them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import type { Problem } from '../model/problems.js';
import { checkRunbookLinks, pageAnchors } from '../plan/check.js';
import { FAILURE_MODES } from '../plan/failure-modes.js';
import type { FailureMode, Plan } from '../plan/types.js';
import {
  CONTRACT_PAGES_DIR,
  type ContractPageOptions,
  contractPages,
  GENERATE_COMMAND,
  GENERATED_MARKER,
} from './contract-pages.js';

/** The runbooks folder, relative to the project root. */
export const RUNBOOKS_DIR = 'runbooks';

/** Sections every failure-mode page has, as `##` headings, in this order. */
export const REQUIRED_SECTIONS = [
  'What it means',
  'Customer impact',
  'First checks',
  'Safe actions for support',
  'Escalation',
  'Recovery',
  'Verify recovery',
] as const;

export interface Heading {
  level: number;
  text: string;
  line: number;
}

export interface MarkdownLink {
  target: string;
  line: number;
}

/** Headings of a Markdown page, outside code fences. */
export function pageHeadings(markdown: string): Heading[] {
  const headings: Heading[] = [];
  forEachProseLine(markdown, (line, n) => {
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined)
      headings.push({ level: match[1].length, text: match[2], line: n });
  });
  return headings;
}

/** Links of a Markdown page (inline `[text](target)` and reference definitions), outside code. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  forEachProseLine(markdown, (line, n) => {
    const prose = withoutInlineCode(line);
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      if (match[1]) links.push({ target: match[1], line: n });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(prose);
    if (definition?.[1]) links.push({ target: definition[1], line: n });
  });
  return links;
}

/** A failure-mode page lacks a required section, or has them out of order. */
export function checkPageSections(markdown: string, file: string): Problem[] {
  const found = pageHeadings(markdown).filter((h) => h.level === 2);
  const problems: Problem[] = [];
  let previous = -1;
  for (const section of REQUIRED_SECTIONS) {
    const heading = found.find((h) => h.text.toLowerCase() === section.toLowerCase());
    if (!heading) {
      problems.push({
        file,
        inProject: true,
        path: '',
        message: `has no "## ${section}" section; every failure-mode page needs ${REQUIRED_SECTIONS.map((s) => `"${s}"`).join(', ')}`,
      });
      continue;
    }
    if (heading.line < previous) {
      problems.push({
        file,
        inProject: true,
        line: heading.line,
        path: '',
        message: `has "## ${section}" out of order; expected the sections in the order ${REQUIRED_SECTIONS.join(', ')}`,
      });
    }
    previous = Math.max(previous, heading.line);
  }
  return problems;
}

/**
 * Text like `<stage>` outside code, which GitHub drops as an unknown HTML tag: placeholders belong
 * in code spans or code blocks. Anchors (`<a id="...">`), autolinks and comments are allowed.
 */
export function checkBareTags(markdown: string, file: string): Problem[] {
  const problems: Problem[] = [];
  forEachProseLine(markdown, (line, n) => {
    for (const match of withoutInlineCode(line).matchAll(/<([A-Za-z][^<>\n]*)>/g)) {
      const inner = match[1] ?? '';
      if (
        /^a\s+(id|name|href)=/.test(inner) ||
        /^\/?a$/.test(inner) ||
        inner.includes('://') ||
        /^[^\s@]+@[^\s@]+$/.test(inner)
      )
        continue;
      problems.push({
        file,
        inProject: true,
        line: n,
        path: '',
        message: `shows "<${inner}>" outside code, which GitHub drops as HTML; put it in backticks`,
      });
    }
  });
  return problems;
}

/** Variables the AWS CLI's `export-credentials --format env` sets, used by the README's curl example. */
const PROVIDED_VARIABLES = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);

/**
 * Every upper-case shell variable a command block uses (`$STAGE`, `${QUEUE_URL}`) is set earlier on
 * the same page, so the commands work when pasted top to bottom.
 */
export function checkShellVariables(markdown: string, file: string): Problem[] {
  const problems: Problem[] = [];
  const assigned = new Set<string>();
  const reported = new Set<string>();
  forEachCodeLine(markdown, (line, n) => {
    const code = line.replace(/(^|\s)#.*$/, '$1').replace(/'[^']*'/g, "''");
    // A loop or read sets its variable before the rest of the line uses it.
    for (const match of code.matchAll(/\b(?:for|read(?:\s+-\w+)*)\s+([A-Z][A-Z0-9_]*)\b/g))
      assigned.add(match[1] ?? '');
    for (const match of code.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) {
      const name = match[1] ?? '';
      if (assigned.has(name) || PROVIDED_VARIABLES.has(name) || reported.has(name)) continue;
      reported.add(name);
      problems.push({
        file,
        inProject: true,
        line: n,
        path: `$${name}`,
        message: `a command uses $${name} before the page sets it; set it in "Before you start" or just above`,
      });
    }
    for (const match of code.matchAll(/(?:^|[\s;(&|])(?:export\s+)?([A-Z][A-Z0-9_]*)=/g))
      assigned.add(match[1] ?? '');
  });
  return problems;
}

/** Every relative link in the runbooks folder points at an existing file and, for pages, heading. */
export function checkRelativeLinks(projectRoot: string): Problem[] {
  const problems: Problem[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    let set = anchorsOf.get(file);
    if (!set) {
      set = pageAnchors(readFileSync(file, 'utf8'));
      anchorsOf.set(file, set);
    }
    return set;
  };
  for (const page of runbookPages(projectRoot)) {
    const absolute = join(projectRoot, page);
    for (const link of markdownLinks(readFileSync(absolute, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target) || link.target.startsWith('//')) continue;
      const [rawPath = '', rawAnchor] = link.target.split('#');
      const anchor = rawAnchor === undefined ? undefined : safeDecode(rawAnchor);
      const target = rawPath === '' ? absolute : normalize(join(dirname(absolute), safeDecode(rawPath)));
      const shown = relative(projectRoot, target).split(sep).join('/');
      const where = { file: page, inProject: true as const, line: link.line, path: link.target };
      if (shown.startsWith('..')) {
        problems.push({
          ...where,
          message: 'points outside the repository; link to pages and files inside it',
        });
      } else if (!existsSync(target)) {
        problems.push({ ...where, message: `points at ${shown}, which does not exist` });
      } else if (anchor !== undefined && target.endsWith('.md') && statSync(target).isFile()) {
        if (!anchors(target).has(anchor))
          problems.push({ ...where, message: `points at a heading ${shown} does not have (#${anchor})` });
      }
    }
  }
  return problems;
}

/** Every failure mode's runbook page (and heading) exists. */
export function checkFailureModePages(projectRoot: string): Problem[] {
  const problems: Problem[] = [];
  for (const mode of Object.keys(FAILURE_MODES) as FailureMode[]) {
    const [page = '', anchor] = FAILURE_MODES[mode].runbook.split('#');
    const file = join(projectRoot, RUNBOOKS_DIR, page);
    const where = {
      file: `${RUNBOOKS_DIR}/${page}`,
      inProject: true as const,
      path: anchor ? `#${anchor}` : '',
    };
    if (!existsSync(file)) {
      problems.push({
        ...where,
        message: `is missing: it is the runbook of failure mode "${mode}" (lib/plan/failure-modes.ts)`,
      });
    } else if (anchor && !pageAnchors(readFileSync(file, 'utf8')).has(anchor)) {
      problems.push({
        ...where,
        message: `has no heading with this anchor, but failure mode "${mode}" links to it (lib/plan/failure-modes.ts)`,
      });
    }
  }
  return problems;
}

/** The committed contract pages are exactly what the generator makes from the plan. */
export function checkContractPages(
  plan: Plan,
  projectRoot: string,
  options: ContractPageOptions = {},
): Problem[] {
  const expected = contractPages(plan, options);
  const problems: Problem[] = [];
  const fix = `; run ${GENERATE_COMMAND}`;
  for (const [path, content] of expected) {
    const file = join(projectRoot, path);
    if (!existsSync(file)) {
      const contract = path.endsWith('/README.md')
        ? 'the index'
        : `contract ${path.slice(CONTRACT_PAGES_DIR.length + 1, -3)}`;
      problems.push({
        file: path,
        inProject: true,
        path: '',
        message: `is missing (the page of ${contract})${fix}`,
      });
      continue;
    }
    const actual = readFileSync(file, 'utf8');
    if (actual !== content) {
      const line = firstDifferentLine(actual, content);
      problems.push({
        file: path,
        inProject: true,
        line,
        path: '',
        message: `differs from what the contracts generate (first at line ${line})${fix}`,
      });
    }
  }
  const folder = join(projectRoot, CONTRACT_PAGES_DIR);
  if (existsSync(folder)) {
    for (const name of readdirSync(folder)
      .filter((f) => f.endsWith('.md'))
      .sort()) {
      const path = `${CONTRACT_PAGES_DIR}/${name}`;
      if (!expected.has(path))
        problems.push({
          file: path,
          inProject: true,
          path: '',
          message: `belongs to no contract in the plan${fix} (it removes generated pages of contracts that no longer exist)`,
        });
    }
  }
  return problems;
}

/** Every check on the runbooks folder, for `handoff runbooks --check` and the tests. */
export function checkRunbooks(plan: Plan, projectRoot: string, options: ContractPageOptions = {}): Problem[] {
  const pages = runbookPages(projectRoot);
  return [
    ...checkFailureModePages(projectRoot),
    ...checkRunbookLinks(plan, projectRoot),
    ...failureModePageFiles(projectRoot).flatMap((page) =>
      checkPageSections(readFileSync(join(projectRoot, page), 'utf8'), page),
    ),
    ...pages.flatMap((page) => {
      const text = readFileSync(join(projectRoot, page), 'utf8');
      return [...checkBareTags(text, page), ...checkShellVariables(text, page)];
    }),
    ...checkRelativeLinks(projectRoot),
    ...checkContractPages(plan, projectRoot, options),
  ];
}

/** Every Markdown page under runbooks/, relative to the project root, sorted. */
export function runbookPages(projectRoot: string): string[] {
  const root = join(projectRoot, RUNBOOKS_DIR);
  if (!existsSync(root)) return [];
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(relative(projectRoot, path).split(sep).join('/'));
    }
  };
  walk(root);
  return pages.sort();
}

/** The failure-mode pages: Markdown files directly in runbooks/, except its README. */
export function failureModePageFiles(projectRoot: string): string[] {
  return runbookPages(projectRoot).filter(
    (p) => /^runbooks\/[^/]+\.md$/.test(p) && p !== 'runbooks/README.md',
  );
}

/** Whether a file was written by the generator (only those may be replaced or removed by it). */
export function isGeneratedPage(content: string): boolean {
  return content.startsWith(GENERATED_MARKER);
}

function forEachProseLine(markdown: string, visit: (line: string, lineNumber: number) => void): void {
  let fence: string | undefined;
  let inComment = false;
  markdown.split('\n').forEach((line, i) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line);
    if (opener?.[1]) {
      if (fence === undefined) fence = opener[1];
      else if (opener[1][0] === fence[0] && opener[1].length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      return;
    }
    const withoutComments = line.replace(/<!--.*?-->/g, '');
    if (withoutComments.includes('<!--')) {
      inComment = true;
      visit(withoutComments.slice(0, withoutComments.indexOf('<!--')), i + 1);
      return;
    }
    visit(withoutComments, i + 1);
  });
}

function forEachCodeLine(markdown: string, visit: (line: string, lineNumber: number) => void): void {
  let fence: string | undefined;
  markdown.split('\n').forEach((line, i) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line);
    if (opener?.[1]) {
      if (fence === undefined) fence = opener[1];
      else if (opener[1][0] === fence[0] && opener[1].length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) visit(line, i + 1);
  });
}

function withoutInlineCode(line: string): string {
  return line.replace(/(`+)[\s\S]*?\1/g, '');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function firstDifferentLine(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  const n = Math.max(left.length, right.length);
  for (let i = 0; i < n; i++) if (left[i] !== right[i]) return i + 1;
  return n;
}
