/**
 * The handoff CLI's commands and argument parsing; every command's logic lives in lib/.
 * Exit codes: 0 success, 1 problems found, 2 usage error or unreadable input.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  mapCommand,
  planCommand,
  reportCommand,
  testPatternCommand,
  validateCommand,
} from '../lib/cli/commands.js';
import { DLQ_OPTIONS } from '../lib/cli/dlq-options.js';
import { EXIT, type Io, processIo, UsageError } from '../lib/cli/io.js';
import { runbooksCommand } from '../lib/runbooks/command.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Command = {
  summary: string;
  usage: string;
  options: Options;
  /** Commands with sub-commands (dlq list|show|redrive) take positionals. */
  allowPositionals?: boolean;
  run: (values: Record<string, unknown>, positionals: string[], io: Io) => number | Promise<number>;
};

const contracts = { contracts: { type: 'string' } } as const;
const planFlags = {
  ...contracts,
  stage: { type: 'string' },
  'runbook-base-url': { type: 'string' },
} as const;

const COMMANDS: Record<string, Command> = {
  validate: {
    summary: 'Check the contracts and report every problem at once',
    usage: 'handoff validate [--contracts DIR]',
    options: { ...contracts },
    run: (v, _p, io) => validateCommand({ contracts: v.contracts as string | undefined }, io),
  },
  'test-pattern': {
    summary: "Test an EventBridge pattern against an event, offline (like EventBridge's TestEventPattern)",
    usage: 'handoff test-pattern --pattern FILE --event FILE',
    options: { pattern: { type: 'string' }, event: { type: 'string' } },
    run: (v, _p, io) =>
      testPatternCommand(
        { pattern: v.pattern as string | undefined, event: v.event as string | undefined },
        io,
      ),
  },
  local: {
    summary: 'Run the whole integration layer on this machine (the same plan and handlers as AWS)',
    usage: 'handoff local [--contracts DIR] [--data DIR] [--port N] [--time-scale F] [--no-targets] [--once]',
    options: {
      ...contracts,
      data: { type: 'string' },
      port: { type: 'string' },
      'time-scale': { type: 'string' },
      'no-targets': { type: 'boolean' },
      once: { type: 'boolean' },
    },
    // Loaded on use: the local layer pulls in dynalite, LevelDB and the handlers.
    run: async (v, _p, io) =>
      (await import('../lib/cli/local.js')).localCommand(
        {
          contracts: v.contracts as string | undefined,
          data: v.data as string | undefined,
          port: v.port as string | undefined,
          timeScale: v['time-scale'] as string | undefined,
          noTargets: v['no-targets'] === true,
          once: v.once === true,
        },
        io,
      ),
  },
  runbooks: {
    summary: 'Write the contract runbook pages (runbooks/contracts/), or check every runbook with --check',
    usage: 'handoff runbooks [--check] [--contracts DIR]',
    options: { ...contracts, check: { type: 'boolean' } },
    run: (v, _p, io) =>
      runbooksCommand({ contracts: v.contracts as string | undefined, check: v.check === true }, io),
  },
  plan: {
    summary: 'Show the plan the stacks and the local layer render',
    usage: 'handoff plan [--json] [--stage STAGE] [--contracts DIR] [--runbook-base-url URL]',
    options: { ...planFlags, json: { type: 'boolean' } },
    run: (v, _p, io) => planCommand({ ...planArgs(v), json: v.json === true }, io),
  },
  map: {
    summary: 'Print the integration map (systems, contracts, owners, tiers, Mermaid diagram)',
    usage: 'handoff map [--format md|json] [--contracts DIR]',
    options: { ...planFlags, format: { type: 'string' } },
    run: (v, _p, io) => mapCommand({ ...planArgs(v), format: v.format as string | undefined }, io),
  },
  report: {
    summary: 'Print dependency counts, failure-handling coverage and support visibility',
    usage: 'handoff report [--json] [--contracts DIR] [--stage STAGE | --local [--data DIR]]',
    options: {
      ...planFlags,
      json: { type: 'boolean' },
      local: { type: 'boolean' },
      data: { type: 'string' },
    },
    run: async (v, _p, io) => {
      // With --stage or --local, support visibility is measured from that stage's real incidents.
      const source = await (await import('../lib/cli/incident-source.js')).incidentsForReport(v, io);
      if ('exit' in source) return source.exit;
      const stage = v.local === true ? { stage: 'local' } : {};
      return reportCommand(
        { ...planArgs(v), ...stage, json: v.json === true, incidents: source.incidents },
        io,
      );
    },
  },
  dlq: {
    allowPositionals: true,
    summary: 'List, show and redrive dead letters of a deployed stage or the local layer',
    usage:
      'handoff dlq list|show MESSAGE-ID|redrive (--stage STAGE | --local [--data DIR]) [--tier T] [--contract C] [--class C,...] [--dry-run] [--rate N] [--limit N] [--json] [--contracts DIR]',
    options: DLQ_OPTIONS,
    // Loaded on use, so commands that never touch AWS do not load the AWS SDK.
    run: async (v, p, io) => (await import('../lib/cli/dlq.js')).dlqCommand(v, p, io),
  },
  'support-proxy': {
    summary:
      'Open the deployed support page in your browser: a local proxy on 127.0.0.1 that signs its requests with your AWS credentials',
    usage:
      'handoff support-proxy --url https://<api-id>.execute-api.<region>.amazonaws.com [--port N] [--region R] [--profile P]',
    options: {
      url: { type: 'string' },
      port: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
    },
    // Loaded on use, so commands that never touch AWS do not load the SDK's credential chain.
    run: async (v, _p, io) => (await import('../lib/cli/support-proxy.js')).supportProxyCommand(v, io),
  },
  webhook: {
    allowPositionals: true,
    summary: "Sign a test request for a system's inbound webhook (headers, or a curl command)",
    usage:
      'handoff webhook sign --system S --body FILE (--local [--data DIR] | --secret VALUE) [--id ID] [--timestamp UNIX] [--curl [--url URL]] [--contracts DIR]',
    options: {
      ...contracts,
      system: { type: 'string' },
      body: { type: 'string' },
      local: { type: 'boolean' },
      data: { type: 'string' },
      secret: { type: 'string' },
      id: { type: 'string' },
      timestamp: { type: 'string' },
      curl: { type: 'boolean' },
      url: { type: 'string' },
    },
    run: async (v, p, io) => (await import('../lib/cli/webhook.js')).webhookCommand(v, p, io),
  },
};

function planArgs(v: Record<string, unknown>) {
  return {
    contracts: v.contracts as string | undefined,
    stage: v.stage as string | undefined,
    runbookBaseUrl: v['runbook-base-url'] as string | undefined,
  };
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'handoff: declarative integration contracts, rendered to AWS and to a local layer',
    '',
    'Usage: handoff <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "handoff <command> --help" for a command\'s options.',
    'Exit codes: 0 success, 1 problems found, 2 usage error.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`handoff: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}\n\n${command.summary}.`);
    return EXIT.ok;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.allowPositionals === true,
      strict: true,
    });
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`handoff ${name}: ${(error as Error).message}\nUsage: ${command.usage}`);
      return EXIT.usage;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
