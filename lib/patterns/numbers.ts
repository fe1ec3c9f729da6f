/**
 * EventBridge compares numbers the way aws/event-ruler's ComparableNumber does: a JSON number takes part in
 * numeric matching only if it lies in [-5.0e9, +5.0e9] and has at most six digits after the decimal point
 * (trailing zeros ignored); it is then compared exactly, as an integer count of millionths. Any other number
 * can only ever match by its literal text. Doing this on the literal with bigint arithmetic (not on a double)
 * keeps 0.1 + 0.2 style rounding out of the comparison, like the engine's BigDecimal.
 */

// Largest magnitude numeric matching accepts, as documented for EventBridge (5.0e9).
const NUMERIC_LIMIT = 5_000_000_000n;
// Digits after the decimal point numeric matching keeps.
const NUMERIC_DECIMALS = 6;
const SCALE = 10n ** BigInt(NUMERIC_DECIMALS);
/** The limit expressed in millionths, the unit every comparable number is held in. */
export const SCALED_LIMIT = NUMERIC_LIMIT * SCALE;

/** A number as EventBridge sees it for numeric matching: either comparable, or why not. */
export type Comparable =
  | { readonly ok: true; readonly scaled: bigint }
  | { readonly ok: false; readonly reason: string };

const LITERAL = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/** Converts a JSON number literal to its exact value in millionths, if numeric matching supports it. */
export function toComparable(literal: string): Comparable {
  const m = LITERAL.exec(literal);
  if (m === null) {
    return { ok: false, reason: `${literal} is not a number` };
  }
  const negative = m[1] === '-';
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  // Exponents this large are out of range whatever the digits; parse defensively so "1e999999999" is cheap.
  const exponentText = m[4] ?? '0';
  const exponent =
    Math.abs(Number(exponentText)) > 1e6 ? Math.sign(Number(exponentText)) * 1e6 : Number(exponentText);

  let digits = (intPart + fracPart).replace(/^0+/, '');
  let power = exponent - fracPart.length; // value = digits * 10^power
  if (digits === '') {
    return { ok: true, scaled: 0n };
  }
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  power += trailing;

  if (-power > NUMERIC_DECIMALS) {
    return { ok: false, reason: 'Only values upto 6 decimals are supported' };
  }
  // digits has no leading zeros, so its magnitude is at least 10^(digits.length - 1 + power).
  if (digits.length + power > 11) {
    return { ok: false, reason: outOfRange() };
  }
  const scaled = BigInt(digits) * 10n ** BigInt(power + NUMERIC_DECIMALS);
  if (scaled > SCALED_LIMIT) {
    return { ok: false, reason: outOfRange() };
  }
  return { ok: true, scaled: negative ? -scaled : scaled };
}

function outOfRange(): string {
  return 'Value must be between -5.0E9 and 5.0E9, inclusive';
}
