/**
 * EventBridge for the tests. There is no local EventBridge yet, so PutEvents is answered by
 * aws-sdk-client-mock: each accepted entry becomes an event with a fresh id (as EventBridge does)
 * and is handed to `deliver`, like a rule target. Entries or whole calls can be made to fail.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';

/** An event as a rule target receives it. */
export interface BusEvent {
  id: string;
  source: string;
  'detail-type': string;
  time: string;
  resources: string[];
  detail: unknown;
}

export interface TestBus {
  events: EventBridgeClient;
  /** Every accepted entry, in order. */
  entries: PutEventsRequestEntry[];
  /** Number of PutEvents calls. */
  calls(): number;
  /** Makes the next entries fail with this error code (one per entry). */
  rejectNextEntries(errorCode: string, count: number): void;
  /** Makes the next PutEvents call throw. */
  failNextCall(error: Error): void;
}

export function startBus(deliver: (event: BusEvent) => Promise<void> | void = () => {}): TestBus {
  const events = new EventBridgeClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const mock = mockClient(events);
  const entries: PutEventsRequestEntry[] = [];
  let rejections: string[] = [];
  let callError: Error | undefined;
  mock.on(PutEventsCommand).callsFake(async (input: { Entries?: PutEventsRequestEntry[] }) => {
    if (callError) {
      const error = callError;
      callError = undefined;
      throw error;
    }
    const results = [];
    let failed = 0;
    for (const entry of input.Entries ?? []) {
      const code = rejections.shift();
      if (code) {
        failed++;
        results.push({ ErrorCode: code, ErrorMessage: 'injected' });
        continue;
      }
      entries.push(entry);
      const id = randomUUID();
      await deliver({
        id,
        source: entry.Source ?? '',
        'detail-type': entry.DetailType ?? '',
        time: (entry.Time ?? new Date()).toISOString(),
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail ?? '{}'),
      });
      results.push({ EventId: id });
    }
    return { FailedEntryCount: failed, Entries: results };
  });
  return {
    events,
    entries,
    calls: () => mock.commandCalls(PutEventsCommand).length,
    rejectNextEntries(errorCode, count) {
      rejections = [...rejections, ...Array.from({ length: count }, () => errorCode)];
    },
    failNextCall(error) {
      callError = error;
    },
  };
}
