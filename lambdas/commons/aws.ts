/**
 * Small ports over the AWS SDK for what handlers do rarely (dead-letter a message, publish an
 * event, read a secret). Each SDK client is loaded on first use: the happy path of a sync never
 * loads SQS, EventBridge or Secrets Manager, which keeps cold starts short. The local layer passes
 * the same implementations with endpoints pointed at its embedded servers.
 */

/** Where failed events go: a tier's dead-letter queue. */
export interface DeadLetterSink {
  send(message: { body: string; attributes: Record<string, string> }): Promise<void>;
}

/** Puts events on an EventBridge bus; throws when any entry fails. */
export interface EventPublisher {
  putEvents(
    entries: Array<{
      busName: string;
      source: string;
      detailType: string;
      detail: unknown;
      resources?: string[];
      time?: Date;
    }>,
  ): Promise<void>;
}

/** Reads a secret's text. */
export interface SecretReader {
  read(name: string): Promise<string>;
}

/** Endpoint and credentials overrides (local layer); empty on AWS. */
export interface ClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** A dead-letter sink on SQS, loading the SQS client on first use. */
export function sqsDeadLetterSink(queueUrl: string, options: ClientOptions = {}): DeadLetterSink {
  let client:
    | Promise<{ send: (body: string, attributes: Record<string, string>) => Promise<void> }>
    | undefined;
  const load = async () => {
    const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const sqs = new SQSClient(options);
    return {
      send: async (body: string, attributes: Record<string, string>) => {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: body,
            MessageAttributes: Object.fromEntries(
              Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
            ),
          }),
        );
      },
    };
  };
  return {
    async send(message) {
      client ??= load();
      await (await client).send(message.body, message.attributes);
    },
  };
}

/** An event publisher on EventBridge, loading the client on first use. */
export function eventBridgePublisher(options: ClientOptions = {}): EventPublisher {
  let client: Promise<EventPublisher> | undefined;
  const load = async (): Promise<EventPublisher> => {
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const events = new EventBridgeClient(options);
    return {
      async putEvents(entries) {
        const out = await events.send(
          new PutEventsCommand({
            Entries: entries.map((e) => ({
              EventBusName: e.busName,
              Source: e.source,
              DetailType: e.detailType,
              Detail: JSON.stringify(e.detail),
              Resources: e.resources ?? [],
              ...(e.time ? { Time: e.time } : {}),
            })),
          }),
        );
        if (out.FailedEntryCount) {
          const codes = (out.Entries ?? []).map((x) => x.ErrorCode).filter(Boolean);
          throw new Error(
            `PutEvents failed for ${out.FailedEntryCount} entr${out.FailedEntryCount === 1 ? 'y' : 'ies'} (${codes.join(', ')})`,
          );
        }
      },
    };
  };
  return {
    async putEvents(entries) {
      client ??= load();
      await (await client).putEvents(entries);
    },
  };
}

/** A secret reader on Secrets Manager, loading the client on first use. */
export function secretsManagerReader(options: ClientOptions = {}): SecretReader {
  let client: Promise<SecretReader> | undefined;
  const load = async (): Promise<SecretReader> => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const secrets = new SecretsManagerClient(options);
    return {
      async read(name) {
        const out = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
        if (typeof out.SecretString !== 'string')
          throw Object.assign(new Error(`secret ${name} has no text value`), {
            name: 'InvalidRequestException',
          });
        return out.SecretString;
      },
    };
  };
  return {
    async read(name) {
      client ??= load();
      return (await client).read(name);
    },
  };
}

/** Puts one event on a bus and reports EventBridge's per-entry error code (the EventBridge adapter). */
export interface EntryPutter {
  putEntry(
    entry: { busArn: string; source: string; detailType: string; detail: string },
    signal: AbortSignal,
  ): Promise<{ errorCode?: string }>;
}

/** An EntryPutter on EventBridge, loading the client on first use. SDK errors are thrown as they are. */
export function eventBridgeEntryPutter(options: ClientOptions = {}): EntryPutter {
  let client: Promise<EntryPutter> | undefined;
  const load = async (): Promise<EntryPutter> => {
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const events = new EventBridgeClient(options);
    return {
      async putEntry(entry, signal) {
        const out = await events.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: entry.busArn,
                Source: entry.source,
                DetailType: entry.detailType,
                Detail: entry.detail,
                Resources: [],
              },
            ],
          }),
          { abortSignal: signal },
        );
        const code = out.Entries?.[0]?.ErrorCode ?? (out.FailedEntryCount ? 'Unknown' : undefined);
        return code ? { errorCode: code } : {};
      },
    };
  };
  return {
    async putEntry(entry, signal) {
      client ??= load();
      return (await client).putEntry(entry, signal);
    },
  };
}
