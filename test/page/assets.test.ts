/**
 * The generated assets module: up to date with the page's sources (like the runbook pages), within
 * its size budget, self-contained (no third-party URL anywhere) and free of storage APIs.
 */
import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PAGE_ASSETS, PAGE_HTML, type PageAsset } from '../../lambdas/status-api/assets.js';
import { ASSETS_MODULE, BUILD_COMMAND, buildPage, renderAssetsModule } from '../../scripts/build-page.js';

/** Minified script budget: the page must stay small enough to load instantly on a support laptop. */
const SCRIPT_BUDGET_BYTES = 30 * 1024;

const body = (asset: PageAsset) => brotliDecompressSync(Buffer.from(asset.brotli, 'base64'));
const decode = (asset: PageAsset) => body(asset).toString('utf8');
const assets = Object.values(PAGE_ASSETS);
const script = assets.find((a) => a.name.endsWith('.js'));
const styles = assets.find((a) => a.name.endsWith('.css'));

describe('the committed assets module', () => {
  it('holds exactly what the build makes from lambdas/status-api/page/', async () => {
    // Act
    const built = await buildPage();

    // Assess: names and contents, not the module's text (another brotli version may compress the
    // same bytes differently).
    const committed = [PAGE_HTML, ...assets].map((a) => ({ name: a.name, body: body(a) }));
    const fresh = [built.html, ...built.assets].map((f) => ({ name: f.name, body: f.body }));
    expect(
      committed.length === fresh.length &&
        committed.every(
          (c, i) => c.name === fresh[i]?.name && c.body.equals(fresh[i]?.body ?? Buffer.alloc(0)),
        ),
      `assets.ts is out of date: run ${BUILD_COMMAND}`,
    ).toBe(true);
  });

  it('is the module the build renders', async () => {
    // The renderer's own output for these assets round-trips (format and structure).
    const source = readFileSync(ASSETS_MODULE, 'utf8');
    const built = await buildPage();
    expect(
      renderAssetsModule(built)
        .split('\n')
        .filter((l) => !l.trim().startsWith("'"))
        .join('\n'),
    ).toBe(
      source
        .split('\n')
        .filter((l) => !l.trim().startsWith("'"))
        .join('\n'),
    );
  });

  it('names each asset by its content hash and records its size', () => {
    // Act
    const checks = [PAGE_HTML, ...assets].map((a) => ({
      hashInName: a === PAGE_HTML || a.name.includes(`.${a.hash}.`),
      bytes: body(a).length === a.bytes,
    }));

    // Assess
    expect(assets.map((a) => a.name.replace(/\.[0-9a-f]{16}\./, '.<hash>.')).sort()).toEqual([
      'app.<hash>.js',
      'styles.<hash>.css',
    ]);
    expect(checks.every((c) => c.hashInName && c.bytes)).toBe(true);
  });

  it('keeps the script within its budget', () => {
    // Act
    const bytes = script?.bytes ?? Number.POSITIVE_INFINITY;

    // Assess
    expect(bytes, `app.js is ${bytes} bytes minified`).toBeLessThan(SCRIPT_BUDGET_BYTES);
  });

  it('refers to no other host: no fonts, CDNs or analytics', () => {
    // Act
    const texts = [PAGE_HTML, ...assets].map(decode);

    // Assess
    for (const text of texts) {
      expect(text).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
      expect(text).not.toMatch(/@import|url\((?!["']?data:)/);
    }
  });

  it('stores nothing in the browser: no storage, cookies or history of searches', () => {
    // Act
    const code = script ? decode(script) : '';

    // Assess
    expect(code.length).toBeGreaterThan(1000);
    expect(code).not.toMatch(/localStorage|sessionStorage|indexedDB|document\.cookie|pushState|replaceState/);
    expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('ships styles that honour reduced motion', () => {
    // Act
    const css = styles ? decode(styles) : '';

    // Assess
    expect(css).toMatch(
      /@media ?\(prefers-reduced-motion: ?reduce\) ?\{[^}]*\.spinner ?\{[^}]*animation: ?none/,
    );
  });
});
