/**
 * bin/app.ts run the way the CDK CLI runs it: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR.
 * User mistakes end with exit code 1 and every problem listed, never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, PROJECT_ROOT } from '../helpers/paths.js';
import { EXAMPLE_ENDPOINTS } from './synth.js';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

const cdkJsonContext = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

function runApp(context: Record<string, unknown>): {
  status: number | null;
  stdout: string;
  stderr: string;
  outdir: string;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'handoff-app-test-'));
  outdirs.push(outdir);
  const result = spawnSync(
    process.execPath,
    ['--import', join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs'), join(PROJECT_ROOT, 'bin/app.ts')],
    {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context }),
      },
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, outdir };
}

const STACK_TRACE = /^\s+at .+\(.*:\d+:\d+\)$/m;

describe('bin/app.ts', () => {
  it('lists every context mistake and exits 1 without a stack trace', () => {
    // Act
    const run = runApp({
      stage: 'Production',
      runbookBaseUrl: 'runbooks',
      alarmSubscriptions: '{"page":["nobody"]}',
    });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('3 problems in the deploy configuration');
    expect(run.stderr).toContain('stage "Production"');
    expect(run.stderr).toContain('runbookBaseUrl "runbooks"');
    expect(run.stderr).toContain('alarmSubscriptions.page[0]');
    expect(run.stderr).not.toMatch(STACK_TRACE);
  });

  it('prints contract problems like `handoff validate` and exits 1', () => {
    const run = runApp({ contracts: join(FIXTURES, 'broken-contracts') });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/integrations\/\S+\.yaml/);
    expect(run.stderr).toMatch(/\n\d+ problems? in \d+ files?\n/);
    expect(run.stderr).not.toMatch(STACK_TRACE);
  });

  it('synthesises the examples: exit 0, templates written, no nag finding', { timeout: 180_000 }, () => {
    // Act
    const run = runApp({
      endpoints: EXAMPLE_ENDPOINTS,
      runbookBaseUrl: 'https://runbooks.example.com/runbooks',
    });

    // Assess
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(run.status, run.stderr.slice(0, 2000)).toBe(0);
    expect(existsSync(join(run.outdir, 'handoff-dev-core.template.json'))).toBe(true);
    const report = JSON.parse(readFileSync(join(run.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations?: Array<{ ruleName: string }> }>;
    };
    const nag = report.pluginReports.filter((r) => /AwsSolutions/i.test(r.pluginName));
    expect(nag.flatMap((r) => r.violations ?? [])).toEqual([]);
  });
});
