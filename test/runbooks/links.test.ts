import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRunbookLinks, pageAnchors } from '../../lib/plan/check.js';
import { FAILURE_MODES } from '../../lib/plan/failure-modes.js';
import type { FailureMode } from '../../lib/plan/types.js';
import {
  checkBareTags,
  checkFailureModePages,
  checkPageSections,
  checkRelativeLinks,
  checkShellVariables,
  failureModePageFiles,
  markdownLinks,
  REQUIRED_SECTIONS,
  runbookPages,
} from '../../lib/runbooks/check.js';
import { examplePlan } from '../helpers/estate.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const plan = examplePlan();
const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const modes = Object.keys(FAILURE_MODES) as FailureMode[];

/** A throwaway project folder holding the given files. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'handoff-runbooks-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const completePage = (title: string, extra = '') =>
  [`# ${title}`, ...REQUIRED_SECTIONS.flatMap((s) => ['', `## ${s}`, '', 'Text.']), extra].join('\n');

describe('the runbooks the alarms link to', () => {
  it('resolve for every alarm of the example plan, page and heading', () => {
    // Prepare: checkRunbookLinks skips a folder without pages, so make sure there are pages.
    const pages = failureModePageFiles(PROJECT_ROOT);
    expect(pages.length).toBeGreaterThanOrEqual(10);
    expect(plan.alarms.length).toBeGreaterThan(0);

    // Act
    const problems = checkRunbookLinks(plan, PROJECT_ROOT);

    // Assess: and independently of the plan's checker, every distinct link by hand.
    expect(problems).toEqual([]);
    for (const path of new Set(plan.alarms.map((a) => a.runbook.path))) {
      const [page = '', anchor] = path.split('#');
      const anchors = pageAnchors(read(page));
      if (anchor) expect(anchors, `${path} has no heading #${anchor}`).toContain(anchor);
    }
  });

  it.each(modes)('has a page for failure mode %s', (mode) => {
    const [page = '', anchor] = FAILURE_MODES[mode].runbook.split('#');

    const anchors = pageAnchors(read(`runbooks/${page}`));

    if (anchor) expect(anchors).toContain(anchor);
    expect(checkFailureModePages(PROJECT_ROOT).filter((p) => p.message.includes(`"${mode}"`))).toEqual([]);
  });

  it('fails when a failure mode has no page, or its page lacks the heading', () => {
    const root = project({ 'runbooks/dead-letters.md': '# Dead letters\n\n## Something else\n' });

    const problems = checkFailureModePages(root);

    expect(problems).toContainEqual(
      expect.objectContaining({ file: 'runbooks/dead-letters.md', path: '#the-oldest-dead-letter-is-old' }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        file: 'runbooks/handler-errors.md',
        message: expect.stringContaining('"handler-errors"'),
      }),
    );
    expect(problems.length).toBe(modes.length - 1);
  });

  it("fails the plan's link check when an alarm's page or heading is missing", () => {
    const root = project({ 'runbooks/dead-letters.md': completePage('Dead letters') });

    const problems = checkRunbookLinks(plan, root);

    expect(problems).toContainEqual(
      expect.objectContaining({ file: 'runbooks/dead-letters.md', path: '#the-oldest-dead-letter-is-old' }),
    );
    expect(problems).toContainEqual(expect.objectContaining({ file: 'runbooks/throttling.md', path: '' }));
  });
});

describe('every failure-mode page', () => {
  const pages = failureModePageFiles(PROJECT_ROOT);

  it('covers the catalogue and nothing else lies loose in runbooks/', () => {
    const catalogued = new Set(modes.map((m) => `runbooks/${FAILURE_MODES[m].runbook.split('#')[0]}`));

    expect(new Set(pages)).toEqual(catalogued);
  });

  it.each(pages)('%s has the sections an operator looks for, in order', (page) => {
    expect(checkPageSections(read(page), page)).toEqual([]);
  });

  it.each(pages)('%s starts with the variables its commands use', (page) => {
    const text = read(page);

    expect(text).toMatch(/## Before you start\n\n```sh\nexport AWS_REGION=<region>/);
    expect(text).toContain('. runbooks/helpers.sh');
  });

  it('reports a missing section and sections out of order', () => {
    const text = completePage('X')
      .replace('## Escalation', '## Who to call')
      .replace(
        '## Customer impact\n\nText.\n\n## First checks',
        '## First checks\n\nText.\n\n## Customer impact',
      );

    const problems = checkPageSections(text, 'runbooks/x.md');

    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('has "## First checks" out of order'),
      expect.stringContaining('has no "## Escalation" section'),
    ]);
  });

  it('ignores headings inside code blocks', () => {
    const text = completePage('X').replace('## Recovery', '```sh\n## Recovery\n```');

    expect(checkPageSections(text, 'runbooks/x.md')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('"## Recovery"') }),
    ]);
  });
});

describe('links between runbook pages', () => {
  it('all resolve, to a file and, with an anchor, to a heading', () => {
    const pages = runbookPages(PROJECT_ROOT);
    const links = pages.flatMap((p) => markdownLinks(read(p)));
    expect(links.length).toBeGreaterThan(50);

    expect(checkRelativeLinks(PROJECT_ROOT)).toEqual([]);
  });

  it('reports a missing page, a missing heading and a link out of the repository', () => {
    const root = project({
      'runbooks/a.md': [
        '# A',
        '## Known heading',
        'See [b](b.md), [gone](gone.md), [bad anchor](b.md#nowhere), [here](#known-heading), [self](#missing),',
        '[outside](../../etc/passwd), [web](https://example.com/x.md), `[code](not-a-link.md)`.',
        '```',
        '[in a fence](also-not-a-link.md)',
        '```',
      ].join('\n'),
      'runbooks/b.md': '# B\n',
    });

    const problems = checkRelativeLinks(root);

    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['gone.md', 3],
      ['b.md#nowhere', 3],
      ['#missing', 3],
      ['../../etc/passwd', 4],
    ]);
  });
});

describe('commands pasted top to bottom', () => {
  it.each(runbookPages(PROJECT_ROOT))('%s sets every variable before a command uses it', (page) => {
    expect(checkShellVariables(read(page), page)).toEqual([]);
  });

  it('reports a variable used before it is set, and accepts loops, reads and quoted text', () => {
    const text = [
      '```sh',
      'STAGE=<stage>',
      'echo "$STAGE $CONTRACT"   # $IN_A_COMMENT',
      "aws logs tail x --filter-pattern '{ $.level = \"ERROR\" }' --query '$NOT_A_VARIABLE'",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax under test
      'for M in a b; do echo "$M"; done; read -rs SECRET_VALUE; echo "${SECRET_VALUE}"',
      'CONTRACT=x',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax under test
      'echo "${CONTRACT}" "$QUEUE_URL" "$QUEUE_URL"',
      '```',
      'Prose mentions $NOT_CODE.',
    ].join('\n');

    const problems = checkShellVariables(text, 'runbooks/x.md');

    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [3, '$CONTRACT'],
      [7, '$QUEUE_URL'],
    ]);
  });
});

describe('placeholders', () => {
  it.each(runbookPages(PROJECT_ROOT))('%s shows no placeholder outside code', (page) => {
    expect(checkBareTags(read(page), page)).toEqual([]);
  });

  it('reports a placeholder GitHub would drop, and allows code, anchors and autolinks', () => {
    const text = [
      'Set `<stage>` here, <a id="x"></a>, <https://example.com>, <ops@example.com>.',
      'But <stage> and <the target system> vanish.',
      '```sh',
      'STAGE=<stage>',
      '```',
    ].join('\n');

    const problems = checkBareTags(text, 'runbooks/x.md');

    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [2, expect.stringContaining('"<stage>"')],
      [2, expect.stringContaining('"<the target system>"')],
    ]);
  });
});

describe('the runbooks index', () => {
  const index = read('runbooks/README.md');

  it.each(modes)('links the page of failure mode %s', (mode) => {
    expect(index).toContain(`](${FAILURE_MODES[mode].runbook})`);
  });

  it('explains severities, out-of-hours rules, the status API and the dashboard', () => {
    const headings = pageAnchors(index);

    for (const anchor of [
      'which-alarm-which-page',
      'how-to-read-an-alarm-description',
      'severities-and-out-of-hours-rules',
      'out-of-hours-rules',
      'the-status-api',
      'dashboard',
    ])
      expect(headings).toContain(anchor);
    for (const severity of ['page', 'ticket', 'digest']) expect(index).toContain(`**${severity}**`);
    expect(index).toContain('StatusApiUrl');
  });
});
