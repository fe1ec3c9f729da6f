/**
 * Contract loading with hostile files: random YAML documents, random bytes, truncated files, YAML
 * bombs, enormous strings, deep nesting, tabs, BOMs, duplicate keys, and one field of a valid
 * example contract changed at a time. Loading never throws; every problem names a file (or the
 * folder) and says what is wrong in words (no stack, no "undefined"); a broken file is reported
 * as that file; and whatever loads without problems also plans.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYamlText, stringify as toYaml } from 'yaml';
import { loadContracts } from '../../lib/model/load.js';
import type { Problem } from '../../lib/model/problems.js';
import { checkStructure, type FileKind } from '../../lib/model/structure.js';
import { parseYaml } from '../../lib/model/yaml-file.js';
import { buildPlan } from '../../lib/plan/build.js';
import { EXAMPLE_CONTRACTS } from '../helpers/paths.js';
import {
  deepJsonText,
  fuzz,
  leak,
  longString,
  nastyJson,
  nastyKey,
  nastyObject,
  nastyString,
} from './arbitraries.js';

const SHARED_FILES = ['systems.yaml', 'teams.yaml', 'tiers.yaml'];
/** The example folder's shared files; inbound webhooks are left out (their fuzzing is not here yet). */
const SHARED = new Map<string, string>();
/** The example contracts, relative path → text; each loads cleanly with the shared files alone. */
const CONTRACTS = new Map<string, string>();
/** Every example file, for generators that start from one. */
const EXAMPLE_TEXTS: string[] = [];
const PLAN_OPTIONS = { stage: 'dev', runbookBaseUrl: 'https://runbooks.example.com' };

function walk(root: string, current = root): string[] {
  return readdirSync(current).flatMap((name) => {
    const full = join(current, name);
    return statSync(full).isDirectory() ? walk(root, full) : [relative(root, full).split('\\').join('/')];
  });
}

function writeFolder(target: string, files: Map<string, string | Buffer>): void {
  for (const [file, content] of files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    writeFileSync(join(target, file), content);
  }
}

/** Loads a fresh folder holding the shared files, one contract, and any replaced or added files. */
function loadFolder(contract: string, changes: Map<string, string | Buffer> = new Map()) {
  const folder = mkdtempSync(join(tmpdir(), 'handoff-fuzz-contracts-'));
  try {
    const contractText = CONTRACTS.get(contract) ?? '';
    writeFolder(folder, new Map<string, string | Buffer>([...SHARED, [contract, contractText], ...changes]));
    return loadContracts(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

beforeAll(() => {
  for (const file of walk(EXAMPLE_CONTRACTS).filter((f) => /\.ya?ml$/.test(f))) {
    const text = readFileSync(join(EXAMPLE_CONTRACTS, file), 'utf8');
    EXAMPLE_TEXTS.push(text);
    if (!SHARED_FILES.includes(file)) CONTRACTS.set(file, text);
    else if (file !== 'systems.yaml') SHARED.set(file, text);
    else {
      const doc = parseYamlText(text) as { systems: Array<Record<string, unknown>> };
      for (const system of doc.systems) delete system.webhook;
      SHARED.set(file, toYaml(doc));
    }
  }
  // The mutations mean something only if every contract loads cleanly as it is.
  for (const contract of CONTRACTS.keys())
    expect(loadFolder(contract).problems, `${contract} with the shared files`).toEqual([]);
});

/** Words that mean a message was built from a missing value, outside quoted user values. */
const BROKEN_WORDS = /\bundefined\b|\bNaN\b|\[object Object\]|\bnull items?\b/;

/** Every problem names a known file (or the folder) and says what is wrong, in words. */
function assertProblems(problems: Problem[], files: ReadonlySet<string>): void {
  for (const problem of problems) {
    const shown = JSON.stringify(problem).slice(0, 400);
    expect(typeof problem.file, shown).toBe('string');
    expect(problem.file === '' || files.has(problem.file), `${shown}: names a file of the folder`).toBe(true);
    expect(problem.message.trim().length, shown).toBeGreaterThan(0);
    expect(leak(problem.message), shown).toBeUndefined();
    // User values are shown quoted (JSON); what remains is ours and must read as words.
    const ours = problem.message.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    expect(BROKEN_WORDS.test(ours), `${shown}: the message is built from a missing value`).toBe(false);
    if (problem.line !== undefined)
      expect(Number.isInteger(problem.line) && problem.line > 0, shown).toBe(true);
  }
}

const contractFiles = () => [...CONTRACTS.keys()];
/** The contract beside which extra files are loaded (the smallest example: quick to load). */
const ANY_CONTRACT = 'integrations/product-usage-to-crm.yaml';
const knownFiles = (contract: string, ...more: string[]) => new Set([...SHARED_FILES, contract, ...more]);

// ---------------------------------------------------------------------------------------------
// Generators of file contents
// ---------------------------------------------------------------------------------------------

/** A billion-laughs document `levels` deep, `width` aliases per level. */
function yamlBomb(levels: number, width: number): string {
  const lines = ['a0: &a0 ["lol"]'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(width)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n');
}

/** Hostile text for any file: random, broken, bomb, deep, huge, or an example with a twist. */
const hostileText = (examples: () => string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
    { weight: 2, arbitrary: nastyJson.map((v) => toYaml(v)) },
    { weight: 2, arbitrary: nastyObject.map((v) => toYaml(v)) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...examples()), fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([text, cut]) => text.slice(0, Math.floor(text.length * cut))),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...examples()),
          fc.constantFrom('\ufeff', '\t', '\u0000', '\r', '\u2028', '---\n', '%YAML 1.1\n---\n', '...\n'),
          fc.nat(),
        )
        .map(([text, piece, at]) => {
          const i = at % (text.length + 1);
          return text.slice(0, i) + piece + text.slice(i);
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...examples()).map((text) => {
        // Every key of the first mapping written twice.
        const first = text.split('\n').find((l) => /^[a-z][A-Za-z]*:/.test(l)) ?? 'id: x';
        return `${first}\n${text}`;
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...examples())
        .map((text) => text.replace(/^( +)/gm, (s) => '\t'.repeat(s.length / 2))),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 12 }))
        .map(([l, w]) => yamlBomb(l, w)),
    },
    {
      weight: 1,
      arbitrary: fc
        // Past a few thousand levels the parser runs out of stack (and says so): rare, it is slow.
        .constantFrom(50, 400, 1200, 1200, 6000)
        .map((n) => `id: x\nschema: ${deepJsonText(n, 'mixed')}\n`),
    },
    {
      weight: 1,
      arbitrary: longString(100_000, 400_000).map((s) => `id: x\ndescription: ${JSON.stringify(s)}\n`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '\n',
        '---',
        '~',
        'null',
        '[]',
        '{}',
        '"just a string"',
        '42',
        '!!binary aGVsbG8=',
        '- - - -',
      ),
    },
  );

// ---------------------------------------------------------------------------------------------
// Mutations of one field of a valid contract
// ---------------------------------------------------------------------------------------------

type Path = Array<string | number>;

/** Every node's path in a parsed document (objects and arrays included), root excluded. */
function paths(value: unknown, base: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...base, i], ...paths(v, [...base, i])]);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [[...base, k], ...paths(v, [...base, k])]);
  return [];
}

function setAt(
  root: unknown,
  path: Path,
  change: { kind: 'set'; value: unknown } | { kind: 'delete' },
): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (change.kind === 'set')
    Object.defineProperty(node, last, {
      value: change.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return copy;
}

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A value of any JSON type but the given one. */
const otherTypeThan = (type: string): fc.Arbitrary<unknown> =>
  fc
    .oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(nastyJson, { maxLength: 3 }),
      nastyObject,
      nastyString,
    )
    .filter((v) => jsonType(v) !== type && !(type === 'number' && typeof v === 'number'));

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('parseYaml and checkStructure with hostile text', () => {
  it('never throw: any text is data or problems; any data is valid or problems, all in words', async () => {
    // Prepare
    const kind = fc.constantFrom<FileKind>('contract', 'systems', 'teams', 'tiers');
    const text = hostileText(() => EXAMPLE_TEXTS);
    await fuzz(
      fc.property(text, kind, (content, k) => {
        // Act
        const parsed = parseYaml('any.yaml', content);
        // Assess
        expect(parsed.yaml === undefined).toBe(parsed.problems.length > 0);
        assertProblems(parsed.problems, new Set(['any.yaml']));
        if (parsed.yaml) assertProblems(checkStructure(k, parsed.yaml), new Set(['any.yaml']));
      }),
      100,
    );
  });

  it('explains a changed field of a valid contract in words, at that field', async () => {
    // Prepare: one field of an example contract, replaced by anything, removed, or joined by a stranger.
    const examples = contractFiles().map((file) => parseYamlText(CONTRACTS.get(file) ?? '') as unknown);
    const mutation = fc.constantFrom(...examples).chain((doc) =>
      fc.tuple(
        fc.constant(doc),
        fc.constantFrom(...paths(doc)),
        fc.oneof(
          nastyJson.map((value) => ({ kind: 'set' as const, value })),
          fc.constant({ kind: 'delete' as const }),
        ),
      ),
    );
    await fuzz(
      fc.property(mutation, ([doc, path, change]) => {
        const yaml = parseYaml('integrations/x.yaml', toYaml(setAt(doc, path, change)));
        // Act
        const problems = yaml.yaml ? checkStructure('contract', yaml.yaml) : yaml.problems;
        // Assess
        assertProblems(problems, new Set(['integrations/x.yaml']));
      }),
      100,
    );
  });
});

describe('loadContracts with hostile files', () => {
  it('never throws on a hostile file anywhere: the folder loads, or that file is named in a problem', async () => {
    // Prepare
    const extra = ['integrations/extra.yaml', 'nested/deeper/extra.yml'];
    const where = fc
      .constantFrom(...contractFiles())
      .chain((contract) =>
        fc.tuple(fc.constant(contract), fc.constantFrom(...SHARED_FILES, contract, ...extra)),
      );
    await fuzz(
      fc.property(
        where,
        hostileText(() => EXAMPLE_TEXTS),
        ([contract, file], content) => {
          // Act
          const result = loadFolder(contract, new Map([[file, content]]));
          // Assess
          assertProblems(result.problems, knownFiles(contract, file));
          const estate = result.estate;
          if (estate) expect(() => buildPlan(estate, PLAN_OPTIONS)).not.toThrow();
          else
            expect(
              result.problems.some((p) => p.file === file),
              `no problem names ${file}`,
            ).toBe(true);
        },
      ),
      40,
    );
  });

  it('reports a random YAML document as a contract with a problem in its own file', async () => {
    // Prepare
    const document = fc.oneof(nastyObject, nastyJson, fc.dictionary(nastyKey, nastyJson, { maxKeys: 6 }));
    await fuzz(
      fc.property(document, (doc) => {
        // Act
        const result = loadFolder(ANY_CONTRACT, new Map([['integrations/random.yaml', toYaml(doc)]]));
        // Assess
        assertProblems(result.problems, knownFiles(ANY_CONTRACT, 'integrations/random.yaml'));
        expect(result.problems.some((p) => p.file === 'integrations/random.yaml')).toBe(true);
      }),
      20,
    );
  });

  it('turns one changed field of a valid contract into a problem in that file, or a contract that still plans', async () => {
    // Prepare
    const files = contractFiles();
    const docs = new Map(
      files.map((f) => [f, parseYamlText(CONTRACTS.get(f) ?? '') as Record<string, unknown>]),
    );
    const mutation = fc.constantFrom(...files).chain((file) => {
      const doc = docs.get(file) as Record<string, unknown>;
      return fc.tuple(
        fc.constant(file),
        fc.constant(doc),
        fc.constantFrom(...paths(doc)),
        fc.oneof(
          { weight: 3, arbitrary: nastyJson.map((value) => ({ kind: 'set' as const, value })) },
          { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
        ),
      );
    });
    let planned = 0;
    await fuzz(
      fc.property(mutation, ([file, doc, path, change]) => {
        // Act
        const result = loadFolder(file, new Map([[file, toYaml(setAt(doc, path, change))]]));
        // Assess
        assertProblems(result.problems, knownFiles(file));
        const estate = result.estate;
        if (estate) {
          planned++;
          expect(() => buildPlan(estate, PLAN_OPTIONS)).not.toThrow();
        } else {
          expect(
            result.problems.some((p) => p.file === file),
            `${path.join('.')} changed: no problem in ${file}`,
          ).toBe(true);
        }
      }),
      60,
    );
    expect(planned, 'some changes are harmless (a description, a sample value)').toBeGreaterThan(0);
  });

  it('reports a required top-level field of the wrong type, or missing, at that field', async () => {
    // Prepare
    const files = contractFiles();
    const required = [
      'id',
      'description',
      'source',
      'target',
      'entity',
      'schema',
      'tier',
      'customerImpact',
      'fallback',
      'escalation',
      'samples',
    ];
    const mutation = fc
      .tuple(fc.constantFrom(...files), fc.constantFrom(...required))
      .chain(([file, key]) => {
        const doc = parseYamlText(CONTRACTS.get(file) ?? '') as Record<string, unknown>;
        return fc.tuple(
          fc.constant(file),
          fc.constant(doc),
          fc.constant(key),
          fc.oneof(
            otherTypeThan(jsonType(doc[key])).map((value) => ({ kind: 'set' as const, value })),
            fc.constant({ kind: 'delete' as const }),
          ),
        );
      });
    await fuzz(
      fc.property(mutation, ([file, doc, key, change]) => {
        // Act
        const result = loadFolder(file, new Map([[file, toYaml(setAt(doc, [key], change))]]));
        // Assess
        assertProblems(result.problems, knownFiles(file));
        expect(
          result.problems.some(
            (p) =>
              p.file === file &&
              (p.path === key || p.path.startsWith(`${key}.`) || p.path.startsWith(`${key}[`)),
          ),
          `${key} ${change.kind === 'set' ? `= ${JSON.stringify(change.value)?.slice(0, 80)}` : 'removed'}: ${JSON.stringify(result.problems.filter((p) => p.file === file)).slice(0, 600)}`,
        ).toBe(true);
      }),
      40,
    );
  });

  it('reads folders that are not what they seem: no shared files, empty files, directories and loops named .yaml', () => {
    // Prepare
    const odd = mkdtempSync(join(tmpdir(), 'handoff-fuzz-odd-'));
    try {
      writeFolder(
        odd,
        new Map<string, string | Buffer>([
          ['empty.yaml', ''],
          ['integrations/only-comments.yaml', '# nothing here\n'],
          ['binary.yml', Buffer.from([0xff, 0xfe, 0x00, 0x00, 0xc3, 0x28])],
          ['utf16.yaml', Buffer.from('id: x\n', 'utf16le')],
          ['README.md', '# not a contract'],
        ]),
      );
      mkdirSync(join(odd, 'folder.yaml'));
      symlinkSync(join(odd, 'loop.yaml'), join(odd, 'loop.yaml'));
      symlinkSync(odd, join(odd, 'parent.yaml'));
      // Act
      const result = loadContracts(odd);
      // Assess
      expect(result.estate).toBeUndefined();
      assertProblems(
        result.problems,
        new Set([
          ...SHARED_FILES,
          'empty.yaml',
          'integrations/only-comments.yaml',
          'binary.yml',
          'utf16.yaml',
          'loop.yaml',
          'parent.yaml',
        ]),
      );
      for (const file of [
        'systems.yaml',
        'teams.yaml',
        'tiers.yaml',
        'empty.yaml',
        'loop.yaml',
        'parent.yaml',
      ])
        expect(
          result.problems.some((p) => p.file === file),
          file,
        ).toBe(true);
    } finally {
      rmSync(odd, { recursive: true, force: true });
    }
  });

  it('refuses a YAML bomb as a contract file, without expanding it', () => {
    // Prepare: 9 levels of 9 aliases would expand to 387 million strings.
    const bomb = yamlBomb(9, 9);
    // Act
    const result = loadFolder(ANY_CONTRACT, new Map([['integrations/bomb.yaml', bomb]]));
    // Assess
    assertProblems(result.problems, knownFiles(ANY_CONTRACT, 'integrations/bomb.yaml'));
    expect(result.problems).toContainEqual(
      expect.objectContaining({ file: 'integrations/bomb.yaml', message: expect.stringMatching(/alias/i) }),
    );
  });

  it('says a missing or non-folder path is not a folder of contracts', () => {
    // Act
    const missing = loadContracts(join(EXAMPLE_CONTRACTS, 'does-not-exist'));
    const file = loadContracts(join(EXAMPLE_CONTRACTS, 'teams.yaml'));
    // Assess
    for (const result of [missing, file]) {
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({
        file: '',
        message: expect.stringContaining('is not a folder of contracts'),
      });
    }
  });
});
