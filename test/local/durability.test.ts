import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnLocalLayer } from '../../lib/local/child.js';

const dataDir = mkdtempSync(join(tmpdir(), 'handoff-kill-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts `./bin/handoff local` as a user would and waits for its endpoints file. */
const startLayerProcess = () =>
  spawnLocalLayer({ dataDir, args: ['--time-scale', '600'], timeoutMs: 30_000 });

describe('kill -9 in the middle of a stream of events', () => {
  it('loses no acknowledged event: after a restart every one of them reaches its target', async () => {
    // Prepare
    const first = await startLayerProcess();
    const events = new EventBridgeClient({
      endpoint: first.endpoints.events,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      maxAttempts: 1,
    });
    const acknowledged = new Set<string>();
    let sent = 0;

    // Act: stream batches of ten from several senders, and kill the layer while they are in flight.
    const sender = async (lane: number) => {
      for (let batch = 0; batch < 40; batch++) {
        const ids = Array.from({ length: 10 }, (_, i) => `k${lane}-${batch}-${i}`);
        sent += ids.length;
        try {
          const out = await events.send(
            new PutEventsCommand({
              Entries: ids.map((id) => ({
                EventBusName: 'handoff-local',
                Source: 'handoff.crm',
                DetailType: 'Customer Updated',
                Detail: JSON.stringify({
                  customerId: id,
                  version: 1,
                  name: 'N',
                  email: 'n@example.com',
                  plan: 'team',
                  status: 'active',
                }),
              })),
            }),
          );
          out.Entries?.forEach((entry, i) => {
            if (entry.EventId) acknowledged.add(ids[i] ?? '');
          });
        } catch {
          return; // the layer is gone: these were not acknowledged
        }
      }
    };
    const senders = Promise.all([0, 1, 2, 3].map(sender));
    await new Promise((r) => setTimeout(r, 400));
    first.child.kill('SIGKILL');
    await senders;
    events.destroy();
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(acknowledged.size).toBeLessThan(sent); // the kill really was mid-stream

    // Assess: restart on the same data and wait until the helpdesk holds every acknowledged customer.
    const second = await startLayerProcess();
    try {
      const deadline = Date.now() + 60_000;
      let missing: string[] = [...acknowledged];
      while (missing.length > 0 && Date.now() < deadline) {
        const state = (await (await fetch(`${second.endpoints.targets}/_admin/state/helpdesk`)).json()) as {
          resources: Record<string, unknown>;
        };
        missing = missing.filter((id) => !(`/api/v2/users/${id}` in state.resources));
        if (missing.length > 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(missing).toEqual([]);
    } finally {
      second.child.kill('SIGINT');
      await new Promise((r) => second.child.once('exit', r));
    }
  }, 120_000);
});
