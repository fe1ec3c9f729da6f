/**
 * Checks of everything a caller sends: path parameters, query parameters and the note body. Each
 * failure is a 4xx naming the parameter and what is expected, never repeating an unsafe value.
 */
import type { RuntimePlan } from '../../lib/plan/runtime.js';
import type { ContractPlan } from '../../lib/plan/types.js';
import { BadRequestError, NotFoundError, safeToken, UnsupportedMediaTypeError } from './errors.js';
import { containsEmail } from './views.js';

/** Ids in paths: 1-256 characters of a conservative set (letters, digits and . _ : @ + = ~ -). */
export const ID_PATTERN = /^[A-Za-z0-9._:@+=~-]{1,256}$/;
/** Longest id accepted in a path. */
export const MAX_ID_LENGTH = 256;
const ENTITY_TYPE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const CONTRACT_ID_PATTERN = /^[a-z][a-z0-9-]{1,44}[a-z0-9]$/;

/** Note text limits. */
export const NOTE_MAX_CHARS = 2000;
/** Longest note author accepted. */
export const AUTHOR_MAX_CHARS = 200;

/** The entity types the plan's contracts carry. */
export function entityTypes(plan: RuntimePlan): string[] {
  return [...new Set(plan.contracts.map((c) => c.entity.type))].sort();
}

/** An entity type the plan knows; 400 when malformed, 404 when unknown. */
export function checkEntityType(plan: RuntimePlan, raw: string): string {
  if (!ENTITY_TYPE_PATTERN.test(raw))
    throw new BadRequestError(
      'invalid_entity_type',
      'entity type must be lower-case letters, digits and hyphens (at most 32), e.g. customer',
    );
  const known = entityTypes(plan);
  if (!known.includes(raw))
    throw new NotFoundError(
      'unknown_entity_type',
      `no contract carries entities of type ${safeToken(raw)}; known types: ${known.join(', ')}`,
    );
  return raw;
}

/** A well-formed id (entity or incident); `what` names it in the error. */
export function checkId(raw: string, what: string): string {
  if (raw.length === 0) throw new BadRequestError(`invalid_${what}`, `${what.replace('_', ' ')} is empty`);
  if (raw.length > MAX_ID_LENGTH)
    throw new BadRequestError(
      `invalid_${what}`,
      `${what.replace('_', ' ')} must be at most ${MAX_ID_LENGTH} characters`,
    );
  if (!ID_PATTERN.test(raw))
    throw new BadRequestError(
      `invalid_${what}`,
      `${what.replace('_', ' ')} may only contain letters, digits and . _ : @ + = ~ -`,
    );
  return raw;
}

/**
 * An entity id that fits at least one contract's declared id format (when the contract's schema
 * declares one for a `detail.<field>` id), so a mistyped id gets a clear 400 instead of "unknown".
 */
export function checkEntityId(contracts: readonly ContractPlan[], type: string, raw: string): string {
  const id = checkId(raw, 'entity_id');
  const formats = contracts.map((c) => idFormat(c));
  if (formats.some((f) => f === undefined || f.test(id))) return id;
  const described = [...new Set(formats.map((f) => f?.describe).filter(Boolean))].join(' or ');
  throw new BadRequestError('invalid_entity_id', `${type} ids look like ${described}; check the id`);
}

const formatCache = new WeakMap<
  ContractPlan,
  { test: (id: string) => boolean; describe: string } | undefined
>();

function idFormat(contract: ContractPlan): { test: (id: string) => boolean; describe: string } | undefined {
  if (formatCache.has(contract)) return formatCache.get(contract);
  let format: { test: (id: string) => boolean; describe: string } | undefined;
  const field = /^detail\.([A-Za-z0-9_]+)$/.exec(contract.entity.id)?.[1];
  const properties = (contract.schema as { properties?: Record<string, unknown> }).properties;
  const property =
    field && properties ? (properties[field] as Record<string, unknown> | undefined) : undefined;
  const types = property ? [property.type].flat() : [];
  if (types.length === 1 && (types[0] === 'integer' || types[0] === 'number')) {
    format = { test: (id) => /^-?\d{1,16}$/.test(id), describe: 'a whole number' };
  } else if (types.includes('string') && typeof property?.pattern === 'string') {
    try {
      const pattern = new RegExp(property.pattern, 'u');
      format = { test: (id) => pattern.test(id), describe: `the pattern ${property.pattern}` };
    } catch {
      format = undefined; // a pattern JavaScript cannot read: do not guess
    }
  }
  formatCache.set(contract, format);
  return format;
}

/** A contract the plan knows; 400 when malformed, 404 when unknown. */
export function checkContract(plan: RuntimePlan, raw: string): ContractPlan {
  if (!CONTRACT_ID_PATTERN.test(raw))
    throw new BadRequestError(
      'invalid_contract_id',
      'contract id must be 3-46 lower-case letters, digits and hyphens, starting with a letter',
    );
  const contract = plan.contracts.find((c) => c.id === raw);
  if (!contract)
    throw new NotFoundError(
      'contract_not_found',
      `no contract ${safeToken(raw)}; GET /v1/contracts lists them`,
    );
  return contract;
}

/** The incident list's query: state (default open), limit 1-100 (default 50), cursor. */
export function checkIncidentQuery(query: Record<string, string>): {
  state: 'open' | 'resolved';
  limit: number;
  cursor: string | undefined;
} {
  const state = query.state ?? 'open';
  if (state !== 'open' && state !== 'resolved')
    throw new BadRequestError('invalid_query', 'state must be open or resolved');
  const limitText = query.limit ?? '50';
  if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 100)
    throw new BadRequestError('invalid_query', 'limit must be a whole number from 1 to 100');
  const cursor = query.cursor;
  if (cursor !== undefined && cursor.length === 0)
    throw new BadRequestError('invalid_cursor', 'cursor is empty: omit it for the first page');
  return { state, limit: Number(limitText), cursor };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A note's body: JSON `{ "text": 1-2000 characters, "author"?: 1-200 characters }`. */
export function checkNoteBody(
  headers: Record<string, string>,
  body: string | undefined,
): { text: string; author: string | undefined } {
  const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new UnsupportedMediaTypeError();
  if (body === undefined) throw new BadRequestError('invalid_body', 'send a JSON body: { "text": "..." }');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new BadRequestError('invalid_json', 'the body is not valid JSON', { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BadRequestError('invalid_body', 'the body must be a JSON object: { "text": "..." }');
  const fields = parsed as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => k !== 'text' && k !== 'author');
  if (unknown.length > 0)
    throw new BadRequestError(
      'invalid_body',
      `unknown field ${unknown.map(safeToken).join(', ')}; a note has text and optionally author`,
    );
  const text = typeof fields.text === 'string' ? fields.text.trim() : undefined;
  if (text === undefined) throw new BadRequestError('invalid_body', 'text is required and must be a string');
  if (text.length === 0 || text.length > NOTE_MAX_CHARS)
    throw new BadRequestError('invalid_body', `text must be 1 to ${NOTE_MAX_CHARS} characters`);
  if (CONTROL_EXCEPT_NEWLINES.test(text))
    throw new BadRequestError('invalid_body', 'text must not contain control characters (newlines are fine)');
  if (containsEmail(text))
    throw new BadRequestError(
      'personal_data_in_note',
      'text must not contain email addresses: everyone with read access sees notes; refer to customers by id',
    );
  let author: string | undefined;
  if (fields.author !== undefined) {
    if (typeof fields.author !== 'string')
      throw new BadRequestError('invalid_body', 'author must be a string');
    author = fields.author.trim();
    if (author.length === 0 || author.length > AUTHOR_MAX_CHARS)
      throw new BadRequestError('invalid_body', `author must be 1 to ${AUTHOR_MAX_CHARS} characters`);
    if (CONTROL.test(author))
      throw new BadRequestError('invalid_body', 'author must not contain control characters');
  }
  return { text, author };
}
