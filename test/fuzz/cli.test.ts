/**
 * `handoff validate` as a user runs it, on a few generated broken folders: it exits 0 or 1 (2 for
 * a usage mistake), prints problems without a stack trace, and never reports an internal error
 * (exit 70), which would be a bug. The folders come from a fixed seed, so every run sees the same.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYamlText, stringify as toYaml } from 'yaml';
import { EXAMPLE_CONTRACTS, PROJECT_ROOT } from '../helpers/paths.js';
import { deepJsonText, leak, nastyJson, nastyObject, nastyString, SEED } from './arbitraries.js';

const run = promisify(execFile);
const folders: string[] = [];

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const CONTRACT = 'integrations/crm-customer-to-helpdesk.yaml';

/** One broken folder: the examples with a few files replaced or added. */
const brokenFolder = fc.record({
  contract: fc.oneof(
    // One field of a valid contract replaced by anything.
    fc
      .tuple(
        fc.constantFrom('id', 'source', 'target', 'entity', 'schema', 'tier', 'samples', 'escalation'),
        nastyJson,
      )
      .map(([key, value]) => {
        const doc = parseYamlText(readFileSync(join(EXAMPLE_CONTRACTS, CONTRACT), 'utf8')) as Record<
          string,
          unknown
        >;
        return toYaml({ ...doc, [key]: value });
      }),
    nastyString,
  ),
  extra: fc.oneof(
    nastyObject.map((o) => toYaml(o)),
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.constant(`schema: ${deepJsonText(4000)}`),
    fc.constant(
      'a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]',
    ),
  ),
  teams: fc.oneof(
    fc.constant(undefined),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.constant(
      `\ufeff${readFileSync(join(EXAMPLE_CONTRACTS, 'teams.yaml'), 'utf8').replace(/ {2}/g, '\t')}`,
    ),
  ),
});

function makeFolder(spec: { contract: string; extra: string; teams: string | undefined }): string {
  const folder = mkdtempSync(join(tmpdir(), 'handoff-fuzz-cli-'));
  folders.push(folder);
  cpSync(EXAMPLE_CONTRACTS, folder, { recursive: true });
  const files: Array<[string, string]> = [
    [CONTRACT, spec.contract],
    ['integrations/extra.yaml', spec.extra],
    ...(spec.teams === undefined ? [] : ([['teams.yaml', spec.teams]] as Array<[string, string]>)),
  ];
  for (const [file, content] of files) {
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    writeFileSync(join(folder, file), content);
  }
  return folder;
}

async function validate(folder: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      join(PROJECT_ROOT, 'bin', 'handoff'),
      ['validate', '--contracts', folder],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, HANDOFF_DEBUG: '' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('handoff validate on generated broken folders', () => {
  it('exits 1 with problems in words: no stack trace, no internal error', async () => {
    // Prepare: two folders from the fixed seed (each run is a process start: keep it few).
    const specs = fc.sample(brokenFolder, { seed: SEED, numRuns: 2 });
    const dirs = specs.map(makeFolder);
    // Act
    const results = await Promise.all(dirs.map(validate));
    // Assess
    results.forEach((result, i) => {
      const output = `${result.stdout}\n${result.stderr}`;
      const what = `folder ${i} (FUZZ_SEED=${SEED}): exit ${result.code}\n${output.slice(0, 1500)}`;
      expect(result.code, what).toBe(1);
      expect(output, what).not.toMatch(/internal error/i);
      expect(leak(output), what).toBeUndefined();
      expect(result.stderr, what).toMatch(/\d+ problems? in \d+ files?/);
    });
  });
});
