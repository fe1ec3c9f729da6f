/**
 * The local layer's webhook receivers: `POST /webhooks/<system>` on the layer's own port runs that
 * system's receiver (lambdas/webhook/handler.ts) as its function URL would, through the same API
 * Gateway payload-2.0 adapter as the status API. Each receiver is a local function (its own
 * execution environments, logger and metrics), with clients pointed at the layer's DynamoDB and
 * its PutEvents ingress, so a signed `curl` becomes an event on the local bus.
 *
 * Signing secrets come from `<data>/secrets.json`, like every other local secret; the webhook
 * secrets the file lacks are generated on start (Standard Webhooks and Stripe-style ones as
 * `whsec_<base64>`), so `handoff webhook sign --local` can sign with them.
 *
 * This module is wiring for lib/local (it is never bundled into a function); the signing itself is
 * in ./signing.ts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ClientOptions } from '../../lambdas/commons/aws.js';
import type { DynamoDoc } from '../../lambdas/commons/dynamo-doc.js';
import { createLogger, createMetrics, type LineSink } from '../../lambdas/commons/powertools.js';
import { eventBridgeWebhookBus } from '../../lambdas/webhook/bus.js';
import { buildWebhookDeps } from '../../lambdas/webhook/deps.js';
import { createWebhookHandler } from '../../lambdas/webhook/handler.js';
import { requestUrl, toApiGatewayEvent, writeApiResult } from '../local/api-gateway.js';
import { type LambdaHandler, LocalFunction } from '../local/functions.js';
import { fillLocalSecret, type LocalSecrets, localSecretReader, saveLocalSecrets } from '../local/secrets.js';
import { runtimePlanFor } from '../plan/runtime.js';
import type { Plan, WebhookPlan } from '../plan/types.js';

/** Execution environments per receiver: enough for a provider's bursts on one machine. */
const ENVIRONMENTS = 4;

export interface LocalWebhooksOptions {
  plan: Plan;
  /** `<data>/secrets.json`: rewritten when webhook secrets are generated. */
  secretsFile: string;
  /** The layer's loaded secrets; generated webhook secrets are added to it. */
  secrets: LocalSecrets;
  /** Where `{ env: NAME }` secret references are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** The layer's DynamoDB (operations table: delivery records). */
  ddb: DynamoDoc;
  /** Client options for the layer's own PutEvents ingress. */
  events: ClientOptions;
  /** Where a function's log lines go. */
  logSink: (functionName: string) => LineSink;
  /** Where EMF lines go (the layer's metric store). */
  emf: LineSink;
}

export interface LocalWebhooks {
  /** The receivers, by path (`/webhooks/<system>`). */
  functions: Map<string, LocalFunction>;
  /** A route for the layer's server: true when it answered the request. */
  route(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean>;
}

/** Creates the receivers of every webhook in the plan (none: a route that never matches). */
export function localWebhooks(options: LocalWebhooksOptions): LocalWebhooks {
  const { plan } = options;
  ensureWebhookSecrets(options.secretsFile, plan, options.secrets);
  const functions = new Map<string, LocalFunction>();
  for (const webhook of plan.webhooks) {
    const fn = plan.functions.find((f) => f.kind === 'webhook' && f.systemId === webhook.systemId);
    if (!fn) continue;
    const factory = (): LambdaHandler =>
      createWebhookHandler(
        buildWebhookDeps({
          plan: runtimePlanFor(plan, fn),
          systemId: webhook.systemId,
          tableName: plan.tables.operations.name,
          ddb: options.ddb,
          bus: eventBridgeWebhookBus(options.events),
          secrets: localSecretReader(options.secrets),
          env: options.env,
          logger: createLogger({ output: options.logSink(fn.name) }),
          metrics: createMetrics(plan.metricsNamespace, { output: options.emf }),
        }),
      ) as unknown as LambdaHandler;
    functions.set(webhook.path, new LocalFunction(fn, factory, ENVIRONMENTS));
  }
  return {
    functions,
    async route(req, res, body) {
      const url = requestUrl(req.url);
      if (!url) return false;
      const fn = functions.get(url.pathname.replace(/\/$/, ''));
      if (!fn) return false;
      const event = toApiGatewayEvent(req, body);
      const result = await fn.invoke(event, event.requestContext.requestId);
      if (result.ok) writeApiResult(res, result.value as APIGatewayProxyStructuredResultV2);
      else {
        // What a function URL answers when the function fails or times out.
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
      return true;
    },
  };
}

/**
 * Adds a generated value for every webhook secret reference `secrets` lacks, and rewrites the file
 * (owner-only) when it added any. Values the user put there are never changed.
 */
export function ensureWebhookSecrets(
  file: string,
  plan: Pick<Plan, 'webhooks'>,
  secrets: LocalSecrets,
): void {
  let changed = false;
  for (const webhook of plan.webhooks) {
    for (const ref of webhook.secrets) {
      if (typeof ref !== 'object' || !('secret' in ref)) continue;
      changed = fillLocalSecret(secrets, ref, () => generatedSecret(webhook)) || changed;
    }
  }
  if (changed || !existsSync(file)) saveLocalSecrets(file, secrets);
}

/** A random secret in the form the scheme's providers use. */
function generatedSecret(webhook: WebhookPlan): string {
  return webhook.signature.scheme === 'hmac-sha256'
    ? `local-${randomBytes(24).toString('hex')}`
    : `whsec_${randomBytes(32).toString('base64')}`;
}
