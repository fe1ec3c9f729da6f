/**
 * Puts one verified webhook event on handoff's bus and returns EventBridge's event id (the
 * receiver records it with the delivery and answers it to the provider). The shared
 * EventPublisher does not return ids, hence this small port. Requests time out well inside the
 * function's 10-second timeout, so a hung connection becomes a 503 the provider retries.
 */
import type { ClientOptions, PutEventsOutput } from '../commons/aws.js';
import { AWS_SERVICES, AwsJsonClient } from '../commons/aws-json.js';
import { EventPutError } from './errors.js';

/** One event for the bus. */
export interface BusEntry {
  busName: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  time: Date;
}

/** Puts one event; resolves with its id, or throws EventPutError. */
export interface WebhookBus {
  put(entry: BusEntry, signal?: AbortSignal): Promise<{ eventId: string }>;
}

/** Per-attempt limit: EventBridge answers in milliseconds or is failing. */
export const PUT_TIMEOUT_MS = 3000;

/** EventBridge's limit on one entry: Source, DetailType, Detail and Resources, plus 14 bytes for Time. */
export const MAX_ENTRY_BYTES = 256 * 1024;

/** The size EventBridge counts for an entry (its PutEvents entry-size rules). */
export function entryBytes(entry: Pick<BusEntry, 'source' | 'detailType' | 'detail'>): number {
  return (
    14 +
    Buffer.byteLength(entry.source, 'utf8') +
    Buffer.byteLength(entry.detailType, 'utf8') +
    Buffer.byteLength(JSON.stringify(entry.detail), 'utf8')
  );
}

/** A WebhookBus on EventBridge (the local layer passes its own ingress as the endpoint). */
export function eventBridgeWebhookBus(options: ClientOptions = {}): WebhookBus {
  const client = new AwsJsonClient(AWS_SERVICES.eventBridge, {
    // Two attempts fit the function's timeout with the attempt timeout below; the provider retries after that.
    maxAttempts: 2,
    timeoutMs: PUT_TIMEOUT_MS,
    ...options,
  });
  return {
    async put(entry, signal) {
      let out: PutEventsOutput;
      try {
        const answer = await client.call(
          'PutEvents',
          {
            Entries: [
              {
                EventBusName: entry.busName,
                Source: entry.source,
                DetailType: entry.detailType,
                Detail: JSON.stringify(entry.detail),
                // The JSON protocol's timestamps are epoch seconds.
                Time: entry.time.getTime() / 1000,
                Resources: [],
              },
            ],
          },
          signal ? { signal } : {},
        );
        out = answer.output as PutEventsOutput;
      } catch (error) {
        const name = (error as { name?: string }).name ?? 'Error';
        throw new EventPutError(`PutEvents failed (${name})`, { code: name, cause: error });
      }
      const result = out.Entries?.[0];
      if (out.FailedEntryCount || !result?.EventId) {
        const code = result?.ErrorCode ?? 'Unknown';
        throw new EventPutError(
          `PutEvents refused the event (${code}: ${result?.ErrorMessage ?? 'no message'})`,
          {
            code,
          },
        );
      }
      return { eventId: result.EventId };
    },
  };
}
