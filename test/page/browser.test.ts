/**
 * The support page in a real browser (Debian's Chromium driven by playwright-core) against a real
 * local layer: the helpdesk answers 503 so customer 4242's profile sync is degraded, then support
 * looks the customer up with the keyboard, reads the contracts overview and the incidents, and
 * mistypes an id. Every test also checks that the page logged no errors, no request failed and
 * nothing went to another host. Skips, saying why, where no Chromium is installed.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CUSTOMER,
  degradeHelpdesk,
  findChromium,
  launchBrowser,
  type PageLayer,
  type RecordingBrowser,
  startPageLayer,
  until,
} from './harness.js';

// The callbacks given to `tab.evaluate` run in the browser. The project's TypeScript has no DOM
// types (Lambda code must not see them), so the little of the DOM they use is declared here.
interface BrowserElement {
  id: string;
  tagName: string;
  textContent: string | null;
  className: string;
  remove(): void;
}
declare const document: {
  activeElement: BrowserElement | null;
  documentElement: { scrollWidth: number; clientWidth: number };
  body: { append(node: BrowserElement): void };
  createElement(tag: string): BrowserElement;
};
declare function getComputedStyle(element: BrowserElement): { animationName: string };

const chromiumPath = findChromium();
if (!chromiumPath)
  console.warn(
    'test/page/browser.test.ts: skipped, no Chromium at $CHROMIUM_PATH or /usr/bin/chromium (apt-get install chromium)',
  );

describe.skipIf(!chromiumPath)('the support page in Chromium', () => {
  let env: PageLayer;
  let browser: RecordingBrowser;
  let tab: Page;

  beforeAll(async () => {
    // 5× time: Lambda's retries wait 12 and 24 seconds, so the degraded state lasts the whole file.
    env = await startPageLayer({ timeScale: 5 });
    await degradeHelpdesk(env);
    browser = await launchBrowser(chromiumPath ?? '');
    tab = await browser.context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  afterEach(() => {
    // Assess (every test): no errors, no failed requests, nothing sent to another host.
    const foreign = browser.requests.filter((url) => !url.startsWith(env.origin) && !url.startsWith('data:'));
    const seen = { errors: [...browser.errors], failed: [...browser.failed], foreign };
    browser.requests.length = 0;
    browser.errors.length = 0;
    browser.failed.length = 0;
    expect(seen.errors, 'console errors').toEqual([]);
    expect(seen.failed, 'failed requests').toEqual([]);
    expect(seen.foreign, 'requests to other hosts').toEqual([]);
  });

  it('looks up a customer with the keyboard and shows the degraded helpdesk card, verdict and next action', async () => {
    // Prepare
    await tab.goto(env.url);
    await tab.locator('#entity-id:enabled').waitFor();

    // Act: Tab from the top of the page to the id field, type, press Enter.
    const visited: string[] = [];
    for (let i = 0; i < 12; i++) {
      await tab.keyboard.press('Tab');
      const id = await tab.evaluate(
        () => document.activeElement?.id || document.activeElement?.textContent || '',
      );
      visited.push(id);
      if (id === 'entity-id') break;
    }
    await tab.keyboard.type(CUSTOMER);
    await tab.keyboard.press('Enter');
    const card = tab.locator('[data-contract="crm-customer-to-helpdesk"]');
    await card.waitFor();

    // Assess: the field is reachable, after the skip link and the type select.
    expect(visited[0]).toBe('skip-link');
    expect(visited.at(-1)).toBe('entity-id');
    expect(visited.indexOf('entity-type')).toBe(visited.length - 2);
    expect(new URL(tab.url()).hash).toBe(`#/entity/customer/${CUSTOMER}`);
    // The card: state in colour and words, next action, owner, escalation, runbook.
    expect(await card.getAttribute('data-state')).toBe('degraded');
    await expect.poll(() => card.locator('.badge').textContent()).toContain('Degraded');
    const action = (await card.locator('.next-action').textContent()) ?? '';
    expect(action).toContain('Helpdesk (Zendesk) is failing for handoff');
    expect(action).toContain('Do not re-enter the change');
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('SLO');
    expect(text).toContain('Customer impact');
    expect(text).toContain('Agents see an outdated name');
    expect(text).toMatch(/Owner: Support Tooling · #support-tools-oncall/);
    expect(text).toContain('Escalate to, in order:');
    expect(await card.getByRole('link', { name: /Target system degraded/ }).getAttribute('href')).toMatch(
      /\/runbooks\/target-degraded\.md$/,
    );
    const time = card.locator('time').first();
    expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await time.getAttribute('title')).toMatch(/UTC/);
    // The verdict: in a live region, naming the contract and what to do.
    const verdict = tab.locator('#verdict');
    expect(await verdict.getAttribute('aria-live')).toBe('polite');
    expect(await verdict.locator('.verdict').getAttribute('data-state')).toBe('degraded');
    const verdictText = (await verdict.textContent()) ?? '';
    expect(verdictText).toContain('Not in sync');
    expect(verdictText).toContain('1 degraded (crm-customer-to-helpdesk)');
    expect(verdictText).toContain('What to do: Start with crm-customer-to-helpdesk');
    // The healthy contracts are there too, quieter.
    expect(await tab.locator('[data-state="in_sync"]').count()).toBe(3);
    // What the page fetched: itself, its two assets, and the API (the afterEach checks the hosts).
    const paths = browser.requests.map((u) => new URL(u).pathname);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/',
        '/v1/meta',
        `/v1/entities/customer/${CUSTOMER}`,
        expect.stringMatching(/^\/assets\/app\.[0-9a-f]{16}\.js$/),
      ]),
    );
  });

  it('lists every contract with its health and the ranked "fix first" list', async () => {
    // Act
    await tab.goto(`${env.url}#/contracts`);
    await tab.locator('.contracts-table tbody tr').first().waitFor();

    // Assess
    const rows = tab.locator('.contracts-table tbody tr');
    expect(await rows.count()).toBe(env.layer.plan.contracts.length);
    expect(await rows.count()).toBe(7);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-contract')));
    expect(ids.sort()).toEqual(env.layer.plan.contracts.map((c) => c.id).sort());
    const helpdesk = tab.locator('tr[data-contract="crm-customer-to-helpdesk"]');
    expect(await helpdesk.getAttribute('data-health')).not.toBe('ok');
    expect(await helpdesk.textContent()).toMatch(/Helpdesk \(Zendesk\) is failing repeatedly/);
    const first = tab.locator('.priorities .priority').first();
    expect(await first.getAttribute('data-contract')).toBe('crm-customer-to-helpdesk');
    expect(await first.textContent()).toMatch(/Why this rank: 1: critical tier/);
    expect(await tab.locator('#view h1').textContent()).toBe('Contracts');
    expect(await tab.locator('nav a[aria-current="page"]').textContent()).toBe('Contracts');
  });

  it('shows open incidents with owner, impact, next action and notes, and one in full', async () => {
    // Prepare: the layer evaluates alarms every second; the helpdesk failures open incidents.
    const incident = await until('an open incident for the helpdesk contract', async () => {
      const list = await env.api<{ incidents: Array<{ id: string; contractId: string | null }> }>(
        'incidents',
      );
      return list.incidents.find((i) => i.contractId === 'crm-customer-to-helpdesk');
    });
    const noted = await fetch(`${env.url}v1/incidents/${encodeURIComponent(incident.id)}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Zendesk reports elevated errors; watching.', author: 'on-call' }),
    });
    expect(noted.status).toBe(201);

    // Act
    await tab.goto(`${env.url}#/incidents`);
    const card = tab.locator(`[data-incident="${incident.id}"]`);
    await card.waitFor();

    // Assess
    const text = (await card.textContent()) ?? '';
    expect(await card.locator('.next-action .action-text').textContent()).toMatch(/\w+/);
    expect(text).toContain('Customer impact');
    expect(text).toMatch(/Owner\s*Support Tooling/);
    expect(text).toContain('Zendesk reports elevated errors; watching.');
    expect(text).toMatch(/opened .+ ago|opened just now/);
    expect(await tab.locator('#view h1').textContent()).toBe('Open incidents');

    // Act: follow the link to the details with the keyboard.
    await card.getByRole('link', { name: 'Details, escalation and commands' }).focus();
    await tab.keyboard.press('Enter');
    await tab.locator('.incident-view').waitFor();

    // Assess
    expect(new URL(tab.url()).hash).toBe(`#/incident/${encodeURIComponent(incident.id)}`);
    expect(await tab.locator('.incident-view').textContent()).toContain('Escalate to, in order:');
    expect(await tab.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  });

  it("shows the API's own message for an id that does not fit the customer id format", async () => {
    // Prepare: what the API says about this id.
    const expected = await env.api<{ error: { message: string } }>('entities/customer/42.5');

    // Act
    await tab.goto(`${env.url}#/`);
    await tab.locator('#entity-id:enabled').fill('42.5');
    await tab.locator('#entity-id').press('Enter');
    const problem = tab.locator('.problem-panel');
    await problem.waitFor();

    // Assess
    expect(expected.error.message).toMatch(/customer ids look like/);
    expect(await problem.getAttribute('role')).toBe('alert');
    expect(await problem.textContent()).toContain(expected.error.message);
    expect(await tab.locator('#entity-id').getAttribute('aria-invalid')).toBe('true');
    expect(await tab.locator('#verdict').isHidden()).toBe(true);
    // Chromium logs the 400 answer itself; the page logged nothing else.
    expect(browser.errors).toEqual([expect.stringMatching(/status of 400/)]);
    browser.errors.length = 0;
  });

  it('refuses a malformed id before asking the API, with the same rule', async () => {
    // Prepare
    await tab.goto(`${env.url}#/`);
    await tab.locator('#entity-id:enabled').waitFor();
    browser.requests.length = 0;

    // Act
    await tab.locator('#entity-id').fill('42 OR 1=1');
    await tab.locator('#entity-id').press('Enter');

    // Assess
    const error = tab.locator('#entity-id-error');
    await expect
      .poll(() => error.textContent())
      .toBe('An id may only contain letters, digits and . _ : @ + = ~ -.');
    expect(browser.requests.filter((u) => u.includes('/v1/entities/'))).toEqual([]);
    expect(new URL(tab.url()).hash).toBe('#/');
  });

  it('says what to do when the status API cannot be reached, and recovers on "Try again"', async () => {
    // Prepare: the network drops every API request (a VPN down, a proxy gone).
    await tab.goto(`${env.url}#/contracts`);
    await tab.locator('.contracts-table').waitFor();
    await tab.route('**/v1/**', (route) => route.abort('internetdisconnected'));

    try {
      // Act
      await tab.goto(`${env.url}#/incidents`);
      const problem = tab.locator('.problem-panel');
      await problem.waitFor();

      // Assess
      expect(await problem.textContent()).toContain(
        'The status API could not be reached. Check your network or VPN connection',
      );
      expect(await tab.locator('#updated').textContent()).toMatch(/^Failed at \d\d:\d\d:\d\d$/);
    } finally {
      await tab.unroute('**/v1/**');
    }

    // Act: the network is back.
    await tab.getByRole('button', { name: 'Try again' }).click();
    await tab.locator('[data-incident]').first().waitFor();

    // Assess: the only failures were the dropped requests.
    expect(browser.failed.every((f) => f.includes('/v1/') && f.includes('ERR_INTERNET_DISCONNECTED'))).toBe(
      true,
    );
    expect(browser.failed.length).toBeGreaterThan(0);
    expect(browser.errors.every((e) => e.includes('ERR_INTERNET_DISCONNECTED'))).toBe(true);
    browser.failed.length = 0;
    browser.errors.length = 0;
  });

  it('keeps what it shows when a refresh fails, and says the data is old', async () => {
    // Prepare
    await tab.goto(`${env.url}#/entity/customer/${CUSTOMER}`);
    await tab.locator('[data-contract="crm-customer-to-helpdesk"]').waitFor();
    const verdictBefore = await tab.locator('#verdict .verdict').elementHandle();
    await tab.route('**/v1/**', (route) =>
      route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' }),
    );

    try {
      // Act
      await tab.getByRole('button', { name: 'Refresh now' }).click();
      await expect.poll(() => tab.locator('#updated').textContent()).toMatch(/^Could not refresh/);

      // Assess
      expect(await tab.locator('#updated').textContent()).toMatch(
        /Could not refresh at \d\d:\d\d:\d\d: The status API failed to answer \(HTTP 502\)\..+Showing data from \d\d:\d\d:\d\d\./,
      );
      expect(await tab.locator('[data-contract="crm-customer-to-helpdesk"]').count()).toBe(1);
      // The live region was not rebuilt, so screen readers are not told the same verdict again.
      expect(await verdictBefore?.evaluate((node) => node.isConnected)).toBe(true);
    } finally {
      await tab.unroute('**/v1/**');
    }
    expect(browser.errors.every((e) => e.includes('status of 502'))).toBe(true);
    browser.errors.length = 0;
  });

  it('stays usable at 200% zoom (640×400 CSS pixels) without sideways scrolling of the page', async () => {
    // Prepare
    const narrow = await browser.context.newPage();
    await narrow.setViewportSize({ width: 640, height: 400 });

    try {
      for (const hash of [`#/entity/customer/${CUSTOMER}`, '#/contracts', '#/incidents']) {
        // Act
        await narrow.goto(`${env.url}${hash}`);
        await narrow.locator('#view[aria-busy="false"] > *').first().waitFor();

        // Assess: the page fits; a wide table scrolls inside its own focusable region.
        const overflow = await narrow.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, hash).toBeLessThanOrEqual(0);
      }
    } finally {
      await narrow.close();
    }
  });

  it('stops the loading animation when reduced motion is asked for', async () => {
    // Act
    await tab.emulateMedia({ reducedMotion: 'reduce' });
    const reduced = await tab.evaluate(() => {
      const probe = document.createElement('span');
      probe.className = 'spinner';
      document.body.append(probe);
      const name = getComputedStyle(probe).animationName;
      probe.remove();
      return name;
    });
    await tab.emulateMedia({ reducedMotion: 'no-preference' });
    const normal = await tab.evaluate(() => {
      const probe = document.createElement('span');
      probe.className = 'spinner';
      document.body.append(probe);
      const name = getComputedStyle(probe).animationName;
      probe.remove();
      return name;
    });

    // Assess
    expect(reduced).toBe('none');
    expect(normal).toBe('spin');
  });
});
