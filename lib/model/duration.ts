/** Durations in contracts: a number of seconds, or "90s", "15m", "6h", "30d". */

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const PATTERN = /^([0-9]+)(s|m|h|d)$/;

/** Parses a contract duration into seconds; returns undefined when it is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = PATTERN.exec(value.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
}

/** Renders seconds the way people say them: "90s", "15m", "6h", "1d 2h". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}

/** Renders seconds in words for people who are not engineers: "15 minutes", "6 hours", "1 day". */
export function durationInWords(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0 && seconds > 0) return unit(seconds / 86_400, 'day');
  if (seconds % 3600 === 0 && seconds > 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0 && seconds > 0) return unit(seconds / 60, 'minute');
  if (seconds >= 3600)
    return `${unit(Math.floor(seconds / 3600), 'hour')} ${unit(Math.floor((seconds % 3600) / 60), 'minute')}`;
  if (seconds >= 60) return `${unit(Math.floor(seconds / 60), 'minute')} ${unit(seconds % 60, 'second')}`;
  return unit(seconds, 'second');
}
