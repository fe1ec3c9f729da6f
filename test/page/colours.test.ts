/**
 * The page's colours, read from styles.css and checked with the WCAG 2.2 contrast formula: text at
 * least 4.5:1 on every background it is used on (1.4.3), state edges and focus rings at least 3:1
 * against the surface (1.4.11).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAGE_DIR } from '../../scripts/build-page.js';

const css = readFileSync(join(PAGE_DIR, 'styles.css'), 'utf8');
const root = /:root\s*\{([^}]*)\}/.exec(css)?.[1] ?? '';
const vars = new Map(
  [...root.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1] ?? '', m[2] ?? '']),
);

function colour(name: string): string {
  if (name.startsWith('#')) return name;
  const value = vars.get(name);
  if (!value) throw new Error(`styles.css defines no --${name}`);
  return value;
}

/** WCAG relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) =>
    c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4,
  );
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours (1 to 21). */
function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(colour(a)), luminance(colour(b))].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

describe('contrast', () => {
  it('computes the WCAG ratio (black on white is 21:1)', () => {
    // Act
    const ratio = contrast('#000000', '#ffffff');

    // Assess
    expect(ratio).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeLessThan(4.5);
  });

  it.each([
    ['text', 'surface'],
    ['text', 'bg'],
    ['muted', 'surface'],
    ['muted', 'bg'],
    ['muted', 'ok-bg'],
    ['muted', 'warn-bg'],
    ['muted', 'bad-bg'],
    ['muted', 'neutral-bg'],
    ['link', 'surface'],
    ['link', 'bg'],
    ['link', '#eef3fc'],
    ['#ffffff', 'link'],
    ['ok-text', 'ok-bg'],
    ['warn-text', 'warn-bg'],
    ['bad-text', 'bad-bg'],
    ['neutral-text', 'neutral-bg'],
    ['text', 'ok-bg'],
    ['text', 'warn-bg'],
    ['text', 'bad-bg'],
    ['bad-text', 'surface'],
    ['ok-text', 'surface'],
    ['#0a3a8c', '#eef3fc'],
    ['#36404a', '#e3e8ee'],
    ['link', '#e3e8ee'],
    ['#ffffff', '#14202e'],
    ['#14202e', '#ffffff'],
  ])('%s text on %s is at least 4.5:1', (fg, bg) => {
    // Act
    const ratio = contrast(fg, bg);

    // Assess
    expect(ratio, `${fg} on ${bg}: ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(4.5);
  });

  it.each([
    ['ok-edge', 'surface'],
    ['warn-edge', 'surface'],
    ['bad-edge', 'surface'],
    ['neutral-edge', 'surface'],
    ['focus', 'surface'],
    ['focus', 'bg'],
    ['#ffffff', '#14202e'],
  ])('%s against %s is at least 3:1', (fg, bg) => {
    // Act
    const ratio = contrast(fg, bg);

    // Assess
    expect(ratio, `${fg} on ${bg}: ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(3);
  });
});
