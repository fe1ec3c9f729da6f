import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { compilePattern, testEventPattern, validatePattern } from '../../lib/patterns/index.js';

// Answers real EventBridge gave (TestEventPattern), kept beside the project; users' clones do not have them.
const folderUrl = new URL('../../../shared/conformance/eventbridge-patterns/', import.meta.url);
const folder = fileURLToPath(folderUrl);
const available = existsSync(folder);
if (!available) {
  console.info(
    `Skipping EventBridge pattern conformance: ${folder} does not exist (it ships beside the project).`,
  );
}

type Expected = 'MATCH' | 'NO_MATCH' | 'INVALID';

interface Case {
  readonly name: string;
  readonly expected: Expected;
  readonly patternText: string;
  readonly eventText: string;
  readonly pattern: unknown;
  readonly event: unknown;
}

function expectedFor(name: string): Expected {
  if (name.endsWith('_EXC')) {
    return 'INVALID';
  }
  return name.endsWith('_NEG') ? 'NO_MATCH' : 'MATCH';
}

function loadCases(): Case[] {
  if (!available) {
    return [];
  }
  const files = readdirSync(folder).sort();
  const cases: Case[] = files
    .filter((file) => file.endsWith('.json5'))
    .map((file) => {
      const name = file.slice(0, -'.json5'.length);
      const data: unknown = JSON5.parse(readFileSync(new URL(file, folderUrl), 'utf8'));
      const { Event: event, EventPattern: pattern } = data as { Event: unknown; EventPattern: unknown };
      return {
        name,
        expected: expectedFor(name),
        patternText: JSON.stringify(pattern),
        eventText: JSON.stringify(event),
        pattern,
        event,
      };
    });
  // The one pair kept as plain JSON texts: the pattern repeats a key on purpose (the last one counts).
  const eventText = readFileSync(new URL('complex_multi_key_event.json', folderUrl), 'utf8');
  const patternText = readFileSync(new URL('complex_multi_key_event_pattern.json', folderUrl), 'utf8');
  cases.push({
    name: 'complex_multi_key_event.json + complex_multi_key_event_pattern.json',
    expected: 'MATCH',
    patternText,
    eventText,
    pattern: JSON.parse(patternText),
    event: JSON.parse(eventText),
  });
  return cases;
}

function objectApiAnswer(c: Case): Expected {
  if (validatePattern(c.pattern).length > 0) {
    return 'INVALID';
  }
  return compilePattern(c.pattern).matches(c.event) ? 'MATCH' : 'NO_MATCH';
}

describe.skipIf(!available)('EventBridge pattern conformance (answers from real EventBridge)', () => {
  const cases = loadCases();

  it('covers every file of the conformance folder', () => {
    // Prepare
    const files = readdirSync(folder);

    // Act
    const json5Files = files.filter((f) => f.endsWith('.json5'));

    // Assess
    expect(files).toHaveLength(157);
    expect(cases).toHaveLength(json5Files.length + 1);
  });

  it.each(cases)('$name -> $expected', (c) => {
    // Prepare
    const { patternText, eventText } = c;

    // Act
    const fromText = testEventPattern(patternText, eventText).result;
    const fromObjects = objectApiAnswer(c);

    // Assess
    expect(fromText).toBe(c.expected);
    expect(fromObjects).toBe(c.expected);
  });
});
