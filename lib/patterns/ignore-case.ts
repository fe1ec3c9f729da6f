/**
 * `equals-ignore-case` (and its prefix/suffix/anything-but forms) as event-ruler builds it: each character of
 * the pattern becomes the choice between its lower-case and upper-case forms (locale-independent full case
 * mapping, so "ß" accepts "ß" or "SS"), and the event value must spell one of the choices at each position.
 * The event value itself is not case-folded, which is why e.g. a title-case "ǅ" in an event does not match a
 * pattern "ǅ" (whose choices are "ǆ" and "Ǆ").
 */

/** The per-character choices of a case-insensitive pattern. */
export type CaseChoices = readonly (readonly string[])[];

/** Builds the per-character choices for a pattern text. */
export function caseChoices(text: string): CaseChoices {
  const result: string[][] = [];
  for (const ch of text) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    result.push(lower === upper ? [lower] : [lower, upper]);
  }
  return result;
}

/** Positions in `text` reachable after spelling all choices, starting from `start`. */
function forward(choices: CaseChoices, text: string, start: number): Set<number> {
  let positions = new Set<number>([start]);
  for (const options of choices) {
    const next = new Set<number>();
    for (const p of positions) {
      for (const option of options) {
        if (text.startsWith(option, p)) {
          next.add(p + option.length);
        }
      }
    }
    if (next.size === 0) {
      return next;
    }
    positions = next;
  }
  return positions;
}

/** Whether the whole text spells the choices. */
export function equalsIgnoringCase(choices: CaseChoices, text: string): boolean {
  return forward(choices, text, 0).has(text.length);
}

/** Whether the text starts with a spelling of the choices. */
export function startsWithIgnoringCase(choices: CaseChoices, text: string): boolean {
  return forward(choices, text, 0).size > 0;
}

/** Whether the text ends with a spelling of the choices. */
export function endsWithIgnoringCase(choices: CaseChoices, text: string): boolean {
  let positions = new Set<number>([text.length]);
  for (let i = choices.length - 1; i >= 0; i--) {
    const options = choices[i] ?? [];
    const next = new Set<number>();
    for (const p of positions) {
      for (const option of options) {
        const from = p - option.length;
        if (from >= 0 && text.startsWith(option, from)) {
          next.add(from);
        }
      }
    }
    if (next.size === 0) {
      return false;
    }
    positions = next;
  }
  return true;
}
