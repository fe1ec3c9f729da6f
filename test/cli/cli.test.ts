import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.js';
import type { Io } from '../../lib/cli/io.js';
import { EXAMPLE_CONTRACTS, FIXTURES, PROJECT_ROOT } from '../helpers/paths.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  };
  const code = await main(args, io);
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'handoff-cli-'));
const file = (name: string, content: string) => {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
};

describe('handoff validate', () => {
  it('exits 1 with every problem of a broken folder, one per line, no stack trace', async () => {
    const { code, err } = await run('validate', '--contracts', join(FIXTURES, 'broken-contracts'));
    expect(code).toBe(1);
    expect(err).toMatch(/integrations\/bad-references\.yaml:8 target\.system: names system "helpdsk"/);
    expect(err).toMatch(/\n\d+ problems in 7 files\n$/);
    expect(err).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('exits 2 for an unknown flag', async () => {
    const { code, err } = await run('validate', '--contract', 'x');
    expect(code).toBe(2);
    expect(err).toContain('Usage: handoff validate');
  });
});

describe('handoff test-pattern', () => {
  const event = file(
    'event.json',
    JSON.stringify({
      source: 'handoff.crm',
      'detail-type': 'Customer Updated',
      detail: { plan: 'business' },
    }),
  );

  it.each([
    [{ source: ['handoff.crm'], detail: { plan: [{ prefix: 'bus' }] } }, 'MATCH'],
    [{ source: ['handoff.billing'] }, 'NO_MATCH'],
  ])('prints the answer and exits 0 (%j)', async (pattern, answer) => {
    const { code, out } = await run(
      'test-pattern',
      '--pattern',
      file('p.json', JSON.stringify(pattern)),
      '--event',
      event,
    );
    expect([code, out.trim()]).toEqual([0, answer]);
  });

  it("prints INVALID with EventBridge's reason and exits 0", async () => {
    const { code, out } = await run(
      'test-pattern',
      '--pattern',
      file('bad.json', '{"source": "handoff.crm"}'),
      '--event',
      event,
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^INVALID: source: /);
  });

  it('exits 2 for an unreadable file or a malformed event', async () => {
    expect((await run('test-pattern', '--pattern', join(tmp, 'missing.json'), '--event', event)).code).toBe(
      2,
    );
    const malformed = await run(
      'test-pattern',
      '--pattern',
      file('ok.json', '{"source":["x"]}'),
      '--event',
      file('bad-event.json', '{oops'),
    );
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain('is not valid JSON');
    expect((await run('test-pattern', '--pattern', event)).code).toBe(2);
  });
});

describe('handoff plan, map and report', () => {
  it('prints the plan as JSON', async () => {
    const { code, out } = await run('plan', '--json', '--contracts', EXAMPLE_CONTRACTS, '--stage', 'prod');
    expect(code).toBe(0);
    const plan = JSON.parse(out) as { stage: string; routes: unknown[] };
    expect([plan.stage, plan.routes.length]).toEqual(['prod', 7]);
  });

  it('rejects a stage that would make invalid AWS names', async () => {
    const { code, err } = await run('plan', '--stage', 'Production-Main');
    expect(code).toBe(2);
    expect(err).toContain('is not a stage name');
  });

  it('prints the report as JSON with the three signals', async () => {
    const { code, out } = await run('report', '--json', '--contracts', EXAMPLE_CONTRACTS);
    expect(code).toBe(0);
    const report = JSON.parse(out) as Record<string, Record<string, unknown>>;
    expect(Object.keys(report)).toEqual(['dependencyMap', 'failureHandling', 'supportVisibility']);
    expect([
      report.dependencyMap?.systems,
      report.dependencyMap?.contracts,
      report.dependencyMap?.owners,
    ]).toEqual([5, 7, 4]);
  });

  it('prints the map as Markdown or JSON, and refuses other formats', async () => {
    expect((await run('map', '--contracts', EXAMPLE_CONTRACTS)).out).toContain('```mermaid');
    expect(
      JSON.parse((await run('map', '--format', 'json', '--contracts', EXAMPLE_CONTRACTS)).out),
    ).toHaveProperty('mermaid');
    expect((await run('map', '--format', 'svg')).code).toBe(2);
  });

  it('shows help, and exits 2 for an unknown command', async () => {
    expect((await run('--help')).out).toContain('Commands:');
    expect((await run('deploy')).code).toBe(2);
  });
});

describe('./bin/handoff as a user runs it', () => {
  const exec = promisify(execFile);

  it('runs from another folder and reports problems without a stack trace', async () => {
    const result = await exec(
      join(PROJECT_ROOT, 'bin', 'handoff'),
      ['validate', '--contracts', join(FIXTURES, 'broken-contracts')],
      { cwd: tmpdir() },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect('code' in result ? result.code : 0).toBe(1);
    expect(result.stderr).toContain('problems in 7 files');
    expect(result.stderr).not.toContain('    at ');
  });
});
