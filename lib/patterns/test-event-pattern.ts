/**
 * The offline equivalent of EventBridge's TestEventPattern API: both inputs are JSON texts, parsed strictly
 * and with duplicate keys and number literals preserved, so the answer is the one EventBridge would give.
 */
import { type JsonNode, JsonSyntaxError, parseJsonText } from './json.js';
import {
  compileParsedPattern,
  formatProblems,
  InvalidPatternError,
  type ParsedCompiledPattern,
} from './match.js';

/** Answer of testEventPattern: a match verdict, an invalid pattern, or an input that is not usable. */
export type TestEventPatternResult =
  | { readonly result: 'MATCH' | 'NO_MATCH' }
  | { readonly result: 'INVALID'; readonly reason: string }
  | { readonly result: 'UNREADABLE'; readonly what: 'pattern' | 'event'; readonly reason: string };

/**
 * Tests an event (JSON text of an object) against a pattern (JSON text). Malformed pattern JSON is INVALID, as
 * EventBridge reports it; malformed event JSON, or an event that is not an object, is UNREADABLE.
 */
export function testEventPattern(patternText: string, eventText: string): TestEventPatternResult {
  let compiled: ParsedCompiledPattern;
  try {
    compiled = compileParsedPattern(parseJsonText(patternText));
  } catch (error) {
    if (error instanceof InvalidPatternError) {
      return { result: 'INVALID', reason: formatProblems(error.problems) };
    }
    if (error instanceof JsonSyntaxError) {
      return { result: 'INVALID', reason: `Event pattern is not valid JSON: ${error.message}` };
    }
    throw error;
  }
  let event: JsonNode;
  try {
    event = parseJsonText(eventText);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      return { result: 'UNREADABLE', what: 'event', reason: `Event is not valid JSON: ${error.message}` };
    }
    throw error;
  }
  if (event.type !== 'object') {
    return { result: 'UNREADABLE', what: 'event', reason: 'Event must be a JSON object' };
  }
  return { result: compiled.matchesNode(event) ? 'MATCH' : 'NO_MATCH' };
}
