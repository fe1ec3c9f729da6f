/**
 * Reads a YAML file keeping positions, so every problem can name its line.
 */
import { readFileSync } from 'node:fs';
import { type Document, isCollection, isNode, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Problem } from './problems.js';

/** A parsed YAML file: its data, and a way to find the line of any field path. */
export interface YamlFile {
  /** Path relative to the contracts folder, as shown to users. */
  file: string;
  data: unknown;
  /** 1-based line of the node at `path` (or of its nearest existing parent). */
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

/** Parses YAML text; returns the file or the problems that prevent reading it. */
export function parseYaml(file: string, text: string): { yaml?: YamlFile; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: Problem[] = doc.errors.map((error) => ({
    file,
    line: error.linePos?.[0]?.line,
    path: '',
    message: `is not valid YAML: ${firstLine(error.message)}`,
  }));
  if (problems.length > 0) return { problems };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The message, not String(error): "ReferenceError: ..." says nothing to a contract author.
    const reason = error instanceof Error ? error.message : String(error);
    return { problems: [{ file, path: '', message: `cannot be read as data: ${firstLine(reason)}` }] };
  }
  return {
    yaml: { file, data, lineOf: (path) => lineOf(doc, lineCounter, path) },
    problems: [],
  };
}

/** Reads and parses a YAML file from disk. */
export function readYaml(absolutePath: string, file: string): { yaml?: YamlFile; problems: Problem[] } {
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problems: [{ file, path: '', message: `cannot be read (${code ?? 'unknown error'})` }] };
  }
  return parseYaml(file, text);
}

function lineOf(
  doc: Document,
  counter: LineCounter,
  path: ReadonlyArray<string | number>,
): number | undefined {
  // Walk down as far as the path exists; report the deepest node found.
  let node: unknown = doc.contents;
  let line = offsetLine(counter, node);
  for (const key of path) {
    if (!isCollection(node)) break;
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
    if (pair && isPair(pair)) {
      line = offsetLine(counter, pair.key) ?? line;
      node = pair.value;
      continue;
    }
    const child = typeof key === 'number' ? node.items[key] : undefined;
    if (child === undefined) break;
    node = child;
    line = offsetLine(counter, node) ?? line;
  }
  return line;
}

function offsetLine(counter: LineCounter, node: unknown): number | undefined {
  if (!isNode(node) || !node.range) return undefined;
  return counter.linePos(node.range[0]).line;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}
