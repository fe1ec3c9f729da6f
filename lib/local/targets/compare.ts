/** Constant-time comparison of secrets (tokens, API keys, signatures). */
import { createHash, timingSafeEqual } from 'node:crypto';

/** True when both texts are equal; takes the same time whatever they hold (hashing evens out lengths). */
export function sameText(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
