/**
 * Turns a verified, parsed webhook request into the event handoff puts on its bus, with the
 * contract's JMESPath expressions over `{ body, headers }`. What cannot be derived is the sender's
 * mistake (400 `malformed`), or a type handoff does not take from this system (`unknown-type`).
 * Messages name the contract's expression, never a value from the request.
 */
import { evaluate } from '../../lib/model/jmespath.js';
import type { WebhookPlan } from '../../lib/plan/types.js';
import { DELIVERY_ID_PATTERN } from '../../lib/webhooks/delivery-id.js';

/** EventBridge's limit on DetailType. */
const MAX_DETAIL_TYPE = 128;
/** Provider types safe to log: a type name, not free text. */
const LOGGABLE_TYPE = /^[A-Za-z0-9._:/ -]{1,100}$/;
/** Numbers below this are Unix seconds (Stripe's `created`); above it, milliseconds. */
const SECONDS_BELOW = 1e11;

export interface DerivedEvent {
  detailType: string;
  deliveryId: string;
  time: Date;
  detail: Record<string, unknown>;
}

export type Derivation =
  | { ok: true; event: DerivedEvent; providerType: string }
  | {
      ok: false;
      reason: 'malformed' | 'unknown-type';
      message: string;
      /** The provider's type, when it is safe to log (for unknown-type). */
      providerType?: string;
    };

/** Derives the event; `receivedAt` is its time when the contract declares none or the body has none. */
export function deriveEvent(
  spec: WebhookPlan['event'],
  input: { body: unknown; headers: Record<string, string> },
  receivedAt: Date,
): Derivation {
  const read = (expression: string) => {
    try {
      return evaluate(expression, input);
    } catch {
      // A function applied to the wrong type: the request does not have the shape the contract expects.
      return undefined;
    }
  };

  const type = read(spec.detailType);
  if (typeof type !== 'string' || type === '')
    return malformed(`the request has no event type at ${spec.detailType} (expected a string)`);
  const loggable = LOGGABLE_TYPE.test(type) ? type : undefined;
  let detailType = type;
  if (spec.detailTypes) {
    const mapped = Object.hasOwn(spec.detailTypes, type) ? spec.detailTypes[type] : undefined;
    if (mapped === undefined)
      return {
        ok: false,
        reason: 'unknown-type',
        message: `the event type at ${spec.detailType} is not one handoff takes from this system (accepted: ${Object.keys(spec.detailTypes).join(', ')})`,
        ...(loggable ? { providerType: loggable } : {}),
      };
    detailType = mapped;
  }
  if (detailType.length > MAX_DETAIL_TYPE)
    return malformed(`the event type at ${spec.detailType} is longer than ${MAX_DETAIL_TYPE} characters`);

  const rawId = read(spec.id);
  const deliveryId = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? String(rawId) : rawId;
  if (typeof deliveryId !== 'string' || deliveryId === '')
    return malformed(`the request has no delivery id at ${spec.id} (expected a string)`);
  if (!DELIVERY_ID_PATTERN.test(deliveryId))
    return malformed(`the delivery id at ${spec.id} must be 1-200 visible ASCII characters`);

  let time = receivedAt;
  if (spec.time !== undefined) {
    const raw = read(spec.time);
    // Absent is fine (the receipt time is used); present but unreadable is the sender's mistake.
    if (raw !== undefined && raw !== null) {
      const parsed = toDate(raw);
      if (!parsed)
        return malformed(
          `the time at ${spec.time} is not an ISO-8601 date-time or a Unix time (seconds or milliseconds)`,
        );
      time = parsed;
    }
  }

  const detail = read(spec.detail);
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    return malformed(`the request has no event detail at ${spec.detail} (expected a JSON object)`);

  return {
    ok: true,
    event: { detailType, deliveryId, time, detail: detail as Record<string, unknown> },
    providerType: loggable ?? '(not loggable)',
  };
}

function toDate(raw: unknown): Date | undefined {
  let ms: number;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 0) return undefined;
    ms = raw < SECONDS_BELOW ? raw * 1000 : raw;
  } else if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw)) {
    ms = Date.parse(raw);
  } else {
    return undefined;
  }
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function malformed(message: string): Derivation {
  return { ok: false, reason: 'malformed', message };
}
