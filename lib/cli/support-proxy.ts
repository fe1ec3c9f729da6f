/**
 * `handoff support-proxy`: opens the deployed support page in a browser. The status API keeps IAM
 * (SigV4) authorisation on every route, which browsers cannot sign, so the person runs this local
 * proxy with their own AWS credentials (the SDK's default chain, or `--profile`): it listens on
 * 127.0.0.1 only and signs what the page asks for (lib/cli/support-proxy-server.ts).
 *
 * Exit codes: 0 stopped with Ctrl-C/SIGTERM, 1 no credentials or the port is taken, 2 usage.
 */

import { EXIT, type Io, UsageError } from './io.js';
import {
  type CredentialsProvider,
  clock,
  credentialsHint,
  DEFAULT_SUPPORT_PROXY_PORT,
  keyHint,
  type SigningCredentials,
  type SupportProxy,
  startSupportProxy,
} from './support-proxy-server.js';

/** The flags after checking. */
export interface SupportProxyFlags {
  /** The status API's base URL. */
  upstream: URL;
  region: string;
  /** Where the region came from, for the banner. */
  regionSource: '--region' | 'the URL' | 'AWS_REGION' | 'AWS_DEFAULT_REGION';
  port: number;
  profile: string | undefined;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const URL_HINT = 'https://<api-id>.execute-api.<region>.amazonaws.com (the core stack output StatusApiUrl)';

/** Checks `--url`, `--region`, `--port` and `--profile`; throws UsageError naming the flag. */
export function parseSupportProxyFlags(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): SupportProxyFlags {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const upstream = parseUpstream(text('url'));

  const flagRegion = text('region');
  if (flagRegion !== undefined && !REGION.test(flagRegion))
    throw new UsageError(`--region "${flagRegion}" is not an AWS region; expected e.g. eu-west-1`);
  const hostRegion = EXECUTE_API_HOST.exec(upstream.hostname)?.[1];
  if (flagRegion !== undefined && hostRegion !== undefined && flagRegion !== hostRegion)
    throw new UsageError(
      `--region ${flagRegion} does not match the URL, whose API is in ${hostRegion}; leave --region out`,
    );
  const envRegion = [env.AWS_REGION, env.AWS_DEFAULT_REGION].find((r) => r !== undefined && r !== '');
  const region = flagRegion ?? hostRegion ?? envRegion;
  if (region === undefined)
    throw new UsageError(
      `cannot tell the region from ${upstream.host}: pass --region R (where the status API is deployed) or set AWS_REGION`,
    );
  if (!REGION.test(region))
    throw new UsageError(`AWS_REGION "${region}" is not an AWS region; pass --region, e.g. eu-west-1`);
  const regionSource = flagRegion
    ? '--region'
    : hostRegion
      ? 'the URL'
      : env.AWS_REGION
        ? 'AWS_REGION'
        : 'AWS_DEFAULT_REGION';

  const portText = text('port');
  const port = portText === undefined ? DEFAULT_SUPPORT_PROXY_PORT : Number(portText);
  if (portText !== undefined && (!/^\d+$/.test(portText) || port > 65_535))
    throw new UsageError(`--port "${portText}" is not a port number (0-65535; 0 picks a free one)`);

  const profile = text('profile');
  if (profile !== undefined && !/^[!-~]+$/.test(profile))
    throw new UsageError(`--profile "${profile}" is not a profile name (from ~/.aws/config)`);
  return { upstream, region, regionSource, port, profile };
}

function parseUpstream(text: string | undefined): URL {
  if (text === undefined) throw new UsageError(`say which status API: --url ${URL_HINT}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url "${text}" is not a URL; expected ${URL_HINT}`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  // TLS all the way to AWS; plain http only to a stand-in on this machine (tests, demos).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new UsageError(`--url "${text}" must use https; expected ${URL_HINT}`);
  if (url.username || url.password)
    throw new UsageError(
      '--url must not contain a user name or password; the proxy signs with AWS credentials',
    );
  if (url.search || url.hash)
    throw new UsageError(`--url "${text}" must be the API's base URL, without ? or #; expected ${URL_HINT}`);
  if (/\/v1(\/|$)/.test(url.pathname))
    throw new UsageError(
      `--url "${text}" points into the API; give its base URL (without /v1), the StatusApiUrl output`,
    );
  return url;
}

/** What the command needs from outside; tests pass their own. */
export interface SupportProxyDeps {
  /** @default the AWS SDK's default credential chain, with --profile when given */
  credentials?: CredentialsProvider;
  /** Where SIGINT and SIGTERM come from. @default process */
  signals?: NodeJS.EventEmitter;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Called once the proxy listens (tests read its port here). */
  onReady?: (proxy: SupportProxy) => void;
}

/** `handoff support-proxy`: starts the proxy, prints where and as whom it signs, runs until Ctrl-C. */
export async function supportProxyCommand(
  values: Record<string, unknown>,
  io: Io,
  deps: SupportProxyDeps = {},
): Promise<number> {
  const env = deps.env ?? process.env;
  const flags = parseSupportProxyFlags(values, env);
  const profileName = flags.profile ?? (env.AWS_PROFILE || undefined);
  const signInHint = credentialsHint(profileName);
  const credentials = deps.credentials ?? (await defaultChain(flags.profile));
  const time = () => new Date().toTimeString().slice(0, 8);

  let proxy: SupportProxy;
  try {
    proxy = await startSupportProxy({
      upstream: flags.upstream,
      region: flags.region,
      credentials,
      port: flags.port,
      signInHint,
      notice: (line) => io.err(`${time()} ${line}`),
    });
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      io.err(
        `handoff support-proxy: cannot listen on 127.0.0.1:${flags.port} (${code === 'EADDRINUSE' ? 'in use; is a support proxy already running?' : 'not allowed'}): choose another port with --port N`,
      );
      return EXIT.problems;
    }
    throw error;
  }

  // Sign-in problems show before anyone opens the page, not as a 503 in the browser.
  let identity: SigningCredentials;
  try {
    identity = await proxy.currentCredentials();
  } catch (error) {
    await proxy.close();
    io.err(`handoff support-proxy: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.problems;
  }

  io.out(
    [
      `handoff support-proxy: signing requests to ${flags.upstream.origin}${flags.upstream.pathname.replace(/\/$/, '')} for region ${flags.region} (from ${flags.regionSource})`,
      `  support page  ${proxy.url}`,
      `  signing as    ${describeIdentity(identity, flags.profile, env)}`,
      'Only this computer can connect. Keep this running while you use the page; Ctrl-C stops it.',
    ].join('\n'),
  );
  deps.onReady?.(proxy);

  const signals = deps.signals ?? process;
  return await new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      io.out(`\n${signal}: stopping the support proxy…`);
      proxy.close().then(
        () => {
          io.out('stopped.');
          done(EXIT.ok);
        },
        (error: unknown) => {
          io.err(
            `handoff support-proxy: stopped with an error: ${error instanceof Error ? error.message : String(error)}`,
          );
          done(EXIT.problems);
        },
      );
    };
    const onInt = () => stop('Ctrl-C');
    const onTerm = () => stop('SIGTERM');
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
}

/** `access key …WXYZ (profile support), account 123456789012, temporary until 14:32 UTC`: never a secret. */
export function describeIdentity(
  credentials: SigningCredentials,
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  const source = profile
    ? `profile ${profile}`
    : env.AWS_PROFILE
      ? `profile ${env.AWS_PROFILE}, from AWS_PROFILE`
      : env.AWS_ACCESS_KEY_ID
        ? 'from AWS_ACCESS_KEY_ID'
        : 'the default credential chain';
  return [
    `access key ${keyHint(credentials.accessKeyId)} (${source})`,
    ...(credentials.accountId ? [`account ${credentials.accountId}`] : []),
    credentials.expiration
      ? `temporary until ${clock(credentials.expiration)}, renewed automatically`
      : 'long-term key',
  ].join(', ');
}

/** The AWS SDK's default chain (environment, SSO, profiles, process, web identity, container, IMDS). */
async function defaultChain(profile: string | undefined): Promise<CredentialsProvider> {
  // Loaded on use: only this command needs it.
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider(profile ? { profile } : {});
}
