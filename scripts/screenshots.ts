/**
 * Takes the README's screenshots of the support page: starts a local layer with the example
 * contracts, plays a realistic incident (the helpdesk answers 503, so customer 4242's profile sync
 * is degraded and incidents open), adds an on-call note, and captures the three views at 1280×800
 * with Chromium into docs/screenshots/{entity,contracts,incidents}.png.
 *
 *   node --import ./node_modules/tsx/dist/loader.mjs scripts/screenshots.ts [--out DIR] [--full-page]
 *
 * Needs Chromium ($CHROMIUM_PATH or /usr/bin/chromium). Exit codes: 0 written, 1 failed, 2 no Chromium.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CUSTOMER,
  degradeHelpdesk,
  findChromium,
  launchBrowser,
  type PageLayer,
  startPageLayer,
  until,
} from '../test/page/harness.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, 'full-page': { type: 'boolean' } },
    strict: true,
  });
  const fullPage = values['full-page'] === true;
  const out = resolve(values.out ?? join(ROOT, 'docs', 'screenshots'));
  const executable = findChromium();
  if (!executable) {
    process.stderr.write(
      'screenshots: no Chromium found; install it (apt-get install chromium) or set CHROMIUM_PATH\n',
    );
    return 2;
  }
  mkdirSync(out, { recursive: true });
  // 5× time: retries take seconds, so the degraded state lasts long enough to photograph.
  const page: PageLayer = await startPageLayer({ timeScale: 5 });
  const browser = await launchBrowser(executable);
  try {
    process.stdout.write(`local layer up; page at ${page.url}\n`);
    await degradeHelpdesk(page);
    const tab = await browser.context.newPage();
    const shoot = async (hash: string, ready: string, file: string) => {
      await tab.goto(`${page.url}${hash}`);
      await tab.locator(ready).first().waitFor({ state: 'visible', timeout: 15_000 });
      await tab.screenshot({ path: join(out, file), fullPage });
      process.stdout.write(`wrote ${relative(ROOT, join(out, file))}\n`);
    };
    await shoot(`#/entity/customer/${CUSTOMER}`, '[data-contract="crm-customer-to-helpdesk"]', 'entity.png');
    // The target-degraded alarm has the longest period of the ones this fault trips: wait for it,
    // then note on it what on-call would.
    const incident = await until(
      'the target-degraded incident',
      async () => {
        const list = await page.api<{ incidents: Array<{ id: string; failureMode: string }> }>('incidents');
        return list.incidents.find((i) => i.failureMode === 'target-degraded');
      },
      40_000,
    );
    const base = page.url.replace(/\/$/, '');
    const noted = await fetch(`${base}/v1/incidents/${encodeURIComponent(incident.id)}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        text: 'Zendesk status page reports elevated API errors in our region; watching their incident.',
        author: 'Support Tooling on-call',
      }),
    });
    if (!noted.ok) throw new Error(`adding a note failed: HTTP ${noted.status}`);
    await shoot('#/contracts', '.contracts-table tbody tr', 'contracts.png');
    await shoot('#/incidents', '[data-incident]', 'incidents.png');
    if (browser.errors.length > 0) throw new Error(`the page logged errors: ${browser.errors.join('; ')}`);
    return 0;
  } finally {
    await browser.close();
    await page.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`screenshots: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
