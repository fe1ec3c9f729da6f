/**
 * What the page's browser tests and the screenshot script share: finding Chromium, starting a real
 * local layer with the example contracts and a realistic scenario (a customer whose helpdesk sync
 * is degraded because the helpdesk answers 503), and a browser that records every request and
 * console error.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type BrowserContext, chromium } from 'playwright-core';
import { LOCAL_REGION, type LocalLayer, startLocalLayer } from '../../lib/local/layer.js';
import { EXAMPLE_CONTRACTS } from '../helpers/paths.js';

/** Flags for Debian's Chromium in a container: no sandbox, GPU or background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium to drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium; undefined when neither exists. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p));
}

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A running layer with the page reachable at `url`. */
export interface PageLayer {
  layer: LocalLayer;
  /** Where the page is: the layer's own port. */
  url: string;
  /** The only origin the page may talk to: the layer's. */
  origin: string;
  events: EventBridgeClient;
  /** Sets a fault on an example target system. */
  fault(system: string, spec: Record<string, unknown> | 'clear'): Promise<void>;
  /** Reads the status API (as JSON) from Node. */
  api<T>(path: string): Promise<T>;
  close(): Promise<void>;
}

/** Starts a local layer on loopback with the example contracts and targets. */
export async function startPageLayer(options: { timeScale: number; port?: number }): Promise<PageLayer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-page-'));
  const layer = await startLocalLayer({
    contractsDir: EXAMPLE_CONTRACTS,
    dataDir,
    port: options.port ?? 0,
    timeScale: options.timeScale,
    targets: true,
  });
  const base = layer.endpoints.events.replace(/\/$/, '');
  const events = new EventBridgeClient({ endpoint: base, region: LOCAL_REGION, credentials: CREDENTIALS });
  if (!(await layerServesPage(base))) {
    events.destroy();
    await layer.close();
    throw new Error('the local layer does not serve the support page at GET / (see lib/local/server.ts)');
  }
  const url = `${base}/`;
  return {
    layer,
    url,
    origin: new URL(url).origin,
    events,
    async fault(system, spec) {
      const target = `${layer.endpoints.targets}/_admin/faults/${system}`;
      const res =
        spec === 'clear'
          ? await fetch(target, { method: 'DELETE' })
          : await fetch(target, { method: 'PUT', body: JSON.stringify(spec) });
      if (!res.ok)
        throw new Error(`setting the ${system} fault failed: HTTP ${res.status} ${await res.text()}`);
    },
    async api<T>(path: string) {
      const res = await fetch(`${base}/v1/${path}`);
      return (await res.json()) as T;
    },
    async close() {
      events.destroy();
      await layer.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Whether the layer answers GET / (Accept: text/html) with the page. */
async function layerServesPage(base: string): Promise<boolean> {
  const res = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
  await res.arrayBuffer();
  return (res.headers.get('content-type') ?? '').startsWith('text/html');
}

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

/** The customer support looks up: in sync with billing and the CRM, degraded on the helpdesk. */
export const CUSTOMER = '4242';

const entry = (
  source: string,
  detailType: string,
  detail: Record<string, unknown>,
): PutEventsRequestEntry => ({
  EventBusName: 'handoff-local',
  Source: source,
  DetailType: detailType,
  Detail: JSON.stringify(detail),
});

/** A CRM "Customer Updated" event (sample data only). */
export function customerUpdated(customerId: string, version = 1): PutEventsRequestEntry {
  return entry('handoff.crm', 'Customer Updated', {
    customerId,
    version,
    name: 'Sample Customer',
    email: 'sample@example.com',
    plan: 'business',
    status: 'active',
    accountManager: null,
  });
}

/** Changes of the customer that reach billing and the CRM (their targets stay healthy). */
function healthyChanges(customerId: string): PutEventsRequestEntry[] {
  const now = new Date().toISOString();
  return [
    entry('handoff.billing', 'Invoice Status Changed', {
      customerId,
      invoiceId: `in_${customerId}`,
      status: 'paid',
      amountDue: 0,
      currency: 'eur',
      updatedAt: now,
    }),
    entry('handoff.crm', 'Billing Contact Changed', {
      customerId,
      version: 1,
      contact: { name: 'Sample Contact', email: 'billing@example.com' },
      address: { line1: '1 Sample Street', city: 'Sampletown', postalCode: '00000', country: 'GB' },
    }),
    entry('handoff.product', 'Usage Summarised', {
      customerId,
      activeUsers: 12,
      sessions: 340,
      periodEnd: now,
    }),
  ];
}

type EntityAnswer = { verdict: { state: string }; contracts: Array<{ contractId: string; state: string }> };

/**
 * Plays the scenario: the customer's billing, CRM and usage changes arrive; then the helpdesk
 * starts answering 503 and a burst of customer updates (the customer's among them) fails often
 * enough to mark crm-customer-to-helpdesk degraded. Resolves once the API says so.
 */
export async function degradeHelpdesk(page: PageLayer, customerId = CUSTOMER, burst = 11): Promise<void> {
  await page.events.send(new PutEventsCommand({ Entries: healthyChanges(customerId) }));
  await until('the customer in sync with billing and the CRM', async () => {
    const answer = await page.api<EntityAnswer>(`entities/customer/${customerId}`);
    return answer.contracts.filter((c) => c.state === 'in_sync').length >= 3 || undefined;
  });
  await page.fault('helpdesk', { mode: 'error', status: 503 });
  const others = Array.from({ length: burst }, (_, i) => customerUpdated(`${customerId}-${i + 1}`));
  const all = [customerUpdated(customerId), ...others];
  for (let i = 0; i < all.length; i += 10)
    await page.events.send(new PutEventsCommand({ Entries: all.slice(i, i + 10) }));
  await until('crm-customer-to-helpdesk degraded for the customer', async () => {
    const answer = await page.api<EntityAnswer>(`entities/customer/${customerId}`);
    return answer.contracts.find(
      (c) => c.contractId === 'crm-customer-to-helpdesk' && c.state === 'degraded',
    );
  });
}

/** Polls until `probe` returns something (not undefined or false). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/** A browser context with a fresh profile, recording what the page does. */
export interface RecordingBrowser {
  context: BrowserContext;
  /** Every URL the browser requested. */
  requests: string[];
  /** Requests that failed at the network level (not HTTP errors). */
  failed: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches Chromium at 1280×800 with a fresh --user-data-dir. */
export async function launchBrowser(
  executablePath: string,
  options: { width?: number; height?: number; reducedMotion?: boolean } = {},
): Promise<RecordingBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'handoff-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    reducedMotion: options.reducedMotion ? 'reduce' : 'no-preference',
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  });
  const recording: RecordingBrowser = {
    context,
    requests: [],
    failed: [],
    errors: [],
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
  context.on('request', (request) => recording.requests.push(request.url()));
  context.on('requestfailed', (request) => {
    // A request the page aborted on purpose (a newer one superseded it) is not a failure.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED')
      recording.failed.push(`${request.url()} ${request.failure()?.errorText}`);
  });
  context.on('console', (message) => {
    if (message.type() === 'error') recording.errors.push(message.text());
  });
  context.on('weberror', (error) => recording.errors.push(error.error().message));
  return recording;
}
