/**
 * JMESPath, as contracts use it (entity ids, versions and body mappings). A thin layer over the
 * Powertools implementation, which the Lambda handlers bundle as well, so `validate` and the
 * handlers agree on what an expression means.
 */
import {
  ArityError,
  EmptyExpressionError,
  IncompleteExpressionError,
  LexerError,
  ParseError,
  search,
  UnknownFunctionError,
  VariadicArityError,
} from '@aws-lambda-powertools/jmespath';

type JsonObject = Parameters<typeof search>[1];

/** Errors that mean the expression itself is wrong, not the data it ran on. */
const EXPRESSION_ERRORS = [
  ArityError,
  EmptyExpressionError,
  IncompleteExpressionError,
  LexerError,
  ParseError,
  UnknownFunctionError,
  VariadicArityError,
];

/** Returns why a JMESPath expression is invalid, or undefined when it is valid. */
export function checkExpression(expression: string): string | undefined {
  try {
    search(expression, {} as JsonObject);
    return undefined;
  } catch (error) {
    if (EXPRESSION_ERRORS.some((type) => error instanceof type)) {
      return error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
    }
    return undefined; // a type error on empty data says nothing about the expression
  }
}

/** Evaluates an expression against an event; throws when the expression cannot be applied. */
export function evaluate(expression: string, data: unknown): unknown {
  return search(expression, data as JsonObject);
}
