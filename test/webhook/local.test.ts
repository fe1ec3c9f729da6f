import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookRequest } from '../../lib/cli/webhook.js';
import { type LocalLayer, startLocalLayer } from '../../lib/local/layer.js';
import { systemDimensions, WEBHOOK_METRICS } from '../../lib/plan/metrics.js';
import type { WebhookPlan } from '../../lib/plan/types.js';
import { EXAMPLE_CONTRACTS } from '../helpers/paths.js';

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('inbound webhooks on the local layer', () => {
  let layer: LocalLayer;
  let dataDir: string;
  let secrets: Record<string, string>;
  const webhookOf = (id: string): WebhookPlan => {
    const w = layer.plan.webhooks.find((x) => x.systemId === id);
    if (!w) throw new Error(id);
    return w;
  };
  const post = (path: string, body: Buffer, headers: Record<string, string>) =>
    fetch(`${layer.endpoints.events}${path}`, { method: 'POST', body: new Uint8Array(body), headers });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'handoff-webhooks-'));
    layer = await startLocalLayer({
      contractsDir: EXAMPLE_CONTRACTS,
      dataDir,
      port: 0,
      timeScale: 600,
      targets: true,
    });
    secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
  });
  afterAll(async () => {
    await layer.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('generates each webhook secret in secrets.json, Standard Webhooks ones as whsec_ base64', () => {
    expect(secrets['handoff/helpdesk/webhook-secret']).toMatch(/^local-[0-9a-f]{48}$/);
    expect(secrets['handoff/billing/webhook-secret']).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secrets['handoff/product/webhook-secret']).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });

  it('turns a signed helpdesk ticket.solved into a CRM activity through helpdesk-ticket-to-crm', async () => {
    // Prepare: the body a helpdesk sends, signed as `handoff webhook sign --local` would.
    const body = Buffer.from(
      JSON.stringify({
        type: 'ticket.solved',
        occurred_at: '2026-11-30T10:00:00Z',
        data: {
          ticketId: 9101,
          customerId: '42',
          subject: 'Cannot export invoices',
          priority: 'urgent',
          solvedAt: '2026-11-30T10:00:00Z',
        },
      }),
    );
    const { headers, deliveryId } = signWebhookRequest({
      webhook: webhookOf('helpdesk'),
      secret: secrets['handoff/helpdesk/webhook-secret'] ?? '',
      body,
    });

    // Act
    const response = await post('/webhooks/helpdesk', body, headers);
    const replay = await post('/webhooks/helpdesk', body, headers);

    // Assess: accepted once, delivered to the CRM example target, the replay not put again.
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'accepted', eventId: expect.any(String) });
    expect(replay.status).toBe(200);
    expect(deliveryId).toBeDefined();
    const activity = await until(
      'the CRM activity',
      () => layer.targets?.state('crm').resources['/services/data/activities/9101'],
    );
    expect(activity).toMatchObject({ body: { customerId: '42', priority: 'urgent' } });
    const status = await until('the ticket in sync', async () => {
      const res = await fetch(`${layer.endpoints.statusApi}/entities/ticket/9101`);
      const answer = (await res.json()) as { contracts: Array<{ contractId: string; state: string }> };
      return answer.contracts.find((c) => c.contractId === 'helpdesk-ticket-to-crm' && c.state === 'in_sync');
    });
    expect(status).toBeDefined();
    expect(
      layer.metrics.total(
        layer.plan.metricsNamespace,
        WEBHOOK_METRICS.accepted,
        systemDimensions('helpdesk'),
      ),
    ).toBe(1);
    expect(
      layer.metrics.total(
        layer.plan.metricsNamespace,
        WEBHOOK_METRICS.duplicate,
        systemDimensions('helpdesk'),
      ),
    ).toBe(1);
  });

  it('answers every rejection as the receiver does, without echoing the body', async () => {
    const body = Buffer.from('{"type":"ticket.solved","data":{"subject":"SECRET-SUBJECT"}}');
    const signed = signWebhookRequest({
      webhook: webhookOf('helpdesk'),
      secret: 'not-the-secret',
      body,
    }).headers;

    const answers = await Promise.all([
      post('/webhooks/helpdesk', body, signed),
      post('/webhooks/helpdesk', body, { ...signed, 'content-type': 'text/plain' }),
      post('/webhooks/helpdesk', Buffer.alloc(300_000, 'x'), signed),
      fetch(`${layer.endpoints.events}/webhooks/helpdesk`),
    ]);
    const texts = await Promise.all(answers.map((a) => a.text()));

    expect(answers.map((a) => a.status)).toEqual([401, 415, 413, 405]);
    for (const text of texts) expect(text).not.toContain('SECRET-SUBJECT');
    expect(
      layer.metrics.total(
        layer.plan.metricsNamespace,
        WEBHOOK_METRICS.rejected,
        systemDimensions('helpdesk', 'signature'),
      ),
    ).toBe(1);
  });

  it('leaves other paths to the rest of the layer', async () => {
    const response = await fetch(`${layer.endpoints.events}/webhooks/crm`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(404);
  });
});
