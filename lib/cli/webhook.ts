/**
 * `handoff webhook sign`: signs a test request for a system's inbound webhook, so operators and
 * tests can exercise a receiver by hand. It prints the headers to send (`Name: value`, one per
 * line), or with `--curl` a complete curl command against the local layer's webhook URL (or
 * `--url`). The secret comes from the local layer's `<data>/secrets.json` (`--local`) or from
 * `--secret`. The body file is sent byte for byte (`--data-binary`), since the signature covers
 * the raw bytes.
 *
 * Exit codes: 0 printed, 1 the contracts have problems / the local layer or its secret is not
 * there, 2 usage.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readEndpoints } from '../local/endpoints.js';
import { type LocalSecrets, resolveLocalSecret } from '../local/secrets.js';
import type { WebhookPlan } from '../plan/types.js';
import { DELIVERY_ID_PATTERN, deliveryIdHeader } from '../webhooks/delivery-id.js';
import { checkSecret, STANDARD_WEBHOOK_HEADERS, sign } from '../webhooks/signing.js';
import { EXIT, type Io, UsageError } from './io.js';
import { loadPlanOrReport } from './load-plan.js';

/** The local layer's data folder unless `--data` says otherwise. */
const DEFAULT_DATA_DIR = '.handoff';

export interface SignRequestInput {
  webhook: WebhookPlan;
  secret: string;
  body: Uint8Array;
  /** The delivery id; generated when the webhook reads it from a header and none is given. */
  id?: string;
  /** When the request is signed; now by default. */
  timestamp?: Date;
}

export interface SignedRequest {
  /** Every header to send with the body (lower-case names), content type included. */
  headers: Record<string, string>;
  /** The delivery id sent in a header, when the webhook reads its id from one. */
  deliveryId?: string;
}

/** The headers of a signed request; throws WebhookSigningError when the secret cannot be used. */
export function signWebhookRequest(input: SignRequestInput): SignedRequest {
  const { webhook } = input;
  const idHeader =
    webhook.signature.scheme === 'standard-webhooks'
      ? STANDARD_WEBHOOK_HEADERS.id
      : deliveryIdHeader(webhook.event.id);
  const deliveryId = idHeader
    ? (input.id ??
      (webhook.signature.scheme === 'standard-webhooks'
        ? `msg_${randomUUID().replace(/-/g, '')}`
        : randomUUID()))
    : undefined;
  const signed = sign(
    webhook.signature,
    input.secret,
    { body: input.body, ...(deliveryId ? { id: deliveryId } : {}) },
    input.timestamp ?? new Date(),
  );
  const headers: Record<string, string> = {
    'content-type': webhook.contentTypes[0] ?? 'application/json',
    ...(idHeader && deliveryId ? { [idHeader]: deliveryId } : {}),
    ...signed,
  };
  return { headers, ...(deliveryId ? { deliveryId } : {}) };
}

/** Runs `handoff webhook <sub-command>`. */
export async function webhookCommand(
  values: Record<string, unknown>,
  positionals: string[],
  io: Io,
): Promise<number> {
  const [sub, ...extra] = positionals;
  if (sub !== 'sign')
    throw new UsageError(
      sub ? `unknown sub-command "${sub}"; expected sign` : 'say what to do: webhook sign',
    );
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const flags = readFlags(values);

  const loaded = loadPlanOrReport(
    {
      ...(flags.contracts ? { contracts: flags.contracts } : {}),
      ...(flags.local ? { stage: 'local' } : {}),
    },
    io,
  );
  if ('exit' in loaded) return loaded.exit;
  const webhook = loaded.plan.webhooks.find((w) => w.systemId === flags.system);
  if (!webhook) {
    const declared = loaded.plan.webhooks.map((w) => w.systemId);
    throw new UsageError(
      `system "${flags.system}" declares no webhook; ${declared.length > 0 ? `systems with one: ${declared.join(', ')}` : 'no system declares one (contracts/systems.yaml, webhook:)'}`,
    );
  }
  if (flags.id !== undefined) {
    if (webhook.signature.scheme !== 'standard-webhooks' && !deliveryIdHeader(webhook.event.id))
      throw new UsageError(
        `${webhook.systemId} reads its delivery id from the request at ${webhook.event.id}, not from a header: put the id in the body file instead of --id`,
      );
    if (!DELIVERY_ID_PATTERN.test(flags.id))
      throw new UsageError(
        `--id "${flags.id.slice(0, 40)}" is not a delivery id; expected 1-200 visible ASCII characters`,
      );
  }

  const bodyPath = resolve(flags.body);
  let body: Buffer;
  try {
    body = readFileSync(bodyPath);
  } catch (error) {
    throw new UsageError(
      `cannot read --body ${flags.body} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  warnAboutBody(body, webhook, io);

  let secret: string;
  if (flags.secret !== undefined) {
    const problem = checkSecret(webhook.signature, flags.secret);
    if (problem) throw new UsageError(`--secret cannot be used with ${webhook.signature.scheme}: ${problem}`);
    secret = flags.secret;
  } else {
    const local = localSecret(webhook, flags.data);
    if ('problem' in local) {
      io.err(`handoff webhook sign: ${local.problem}`);
      return EXIT.problems;
    }
    secret = local.secret;
  }

  let url: string | undefined;
  if (flags.curl) {
    if (flags.url) url = flags.url;
    else {
      try {
        url = `${readEndpoints(resolve(flags.data ?? DEFAULT_DATA_DIR)).events.replace(/\/$/, '')}${webhook.path}`;
      } catch (error) {
        io.err(
          `handoff webhook sign: ${(error as Error).message}; or give the receiver's address with --url`,
        );
        return EXIT.problems;
      }
    }
  }

  const signed = signWebhookRequest({
    webhook,
    secret,
    body,
    ...(flags.id !== undefined ? { id: flags.id } : {}),
    ...(flags.timestamp ? { timestamp: flags.timestamp } : {}),
  });
  io.out(url ? curlCommand(url, signed.headers, flags.body) : headerLines(signed.headers));
  return EXIT.ok;
}

interface Flags {
  system: string;
  body: string;
  local: boolean;
  data?: string;
  secret?: string;
  id?: string;
  timestamp?: Date;
  curl: boolean;
  url?: string;
  contracts?: string;
}

function readFlags(values: Record<string, unknown>): Flags {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const system = text('system');
  const body = text('body');
  if (!system) throw new UsageError('--system SYSTEM is required (a system with a webhook, e.g. helpdesk)');
  if (!body) throw new UsageError('--body FILE is required (the exact bytes to send)');
  const local = values.local === true;
  const secret = text('secret');
  if (local && secret !== undefined) throw new UsageError('use either --local or --secret VALUE, not both');
  if (!local && secret === undefined)
    throw new UsageError(
      "say which secret signs: --local (the local layer's secrets.json) or --secret VALUE",
    );
  const curl = values.curl === true;
  const data = text('data');
  if (data !== undefined && !local && !curl)
    throw new UsageError('--data applies to --local and --curl only');
  const url = text('url');
  if (url !== undefined && !curl) throw new UsageError('--url applies to --curl only');
  if (url !== undefined && !/^https?:\/\/[^\s'"]+$/.test(url))
    throw new UsageError(`--url "${url.slice(0, 80)}" is not an http(s) URL`);
  const stamp = text('timestamp');
  if (stamp !== undefined && !/^\d{1,12}$/.test(stamp))
    throw new UsageError(
      `--timestamp "${stamp.slice(0, 40)}" is not a Unix time in seconds (e.g. ${Math.floor(Date.now() / 1000)})`,
    );
  const id = text('id');
  const contracts = text('contracts');
  return {
    system,
    body,
    local,
    curl,
    ...(data !== undefined ? { data } : {}),
    ...(secret !== undefined ? { secret } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(stamp !== undefined ? { timestamp: new Date(Number(stamp) * 1000) } : {}),
    ...(url !== undefined ? { url } : {}),
    ...(contracts !== undefined ? { contracts } : {}),
  };
}

/** The webhook's first secret (the current one) from the local layer's secrets file. */
function localSecret(
  webhook: WebhookPlan,
  data: string | undefined,
): { secret: string } | { problem: string } {
  const ref = webhook.secrets[0];
  if (ref === undefined) return { problem: `${webhook.systemId}'s webhook lists no secret` };
  let value: string | undefined;
  if (typeof ref === 'object' && 'env' in ref) {
    value = process.env[ref.env];
    if (!value)
      return {
        problem: `${webhook.systemId}'s secret is read from environment variable ${ref.env}, which is not set`,
      };
  } else {
    const file = resolve(data ?? DEFAULT_DATA_DIR, 'secrets.json');
    if (!existsSync(file))
      return {
        problem: `${file} does not exist: start the local layer once (npm start) so it creates the webhook secrets, or pass --secret`,
      };
    let secrets: LocalSecrets;
    try {
      secrets = JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
    } catch {
      return { problem: `${file} is not valid JSON; fix it or remove it (the local layer recreates it)` };
    }
    value = resolveLocalSecret(secrets, ref);
    if (value === undefined)
      return {
        problem: `${file} has no value for ${typeof ref === 'object' ? ref.secret : 'the secret'}: restart the local layer so it generates it, or pass --secret`,
      };
  }
  const problem = checkSecret(webhook.signature, value);
  return problem
    ? { problem: `${webhook.systemId}'s local secret cannot be used: ${problem}` }
    : { secret: value };
}

/** Warnings that do not stop signing: testing a receiver with a bad body is legitimate. */
function warnAboutBody(body: Buffer, webhook: WebhookPlan, io: Io): void {
  if (body.length > webhook.maxBodyBytes)
    io.err(
      `warning: the body is ${body.length} bytes; ${webhook.systemId}'s receiver accepts at most ${webhook.maxBodyBytes} (it will answer 413)`,
    );
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    io.err('warning: the body is not valid JSON in UTF-8 (the receiver will answer 400)');
  }
}

function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

function curlCommand(url: string, headers: Record<string, string>, bodyFile: string): string {
  return [
    `curl -sS -X POST ${quote(url)}`,
    ...Object.entries(headers).map(([name, value]) => `-H ${quote(`${name}: ${value}`)}`),
    `--data-binary ${quote(`@${bodyFile}`)}`,
  ].join(' \\\n  ');
}

/** Single-quotes a word for POSIX shells. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
