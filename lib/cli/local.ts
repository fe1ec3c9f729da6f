/**
 * `handoff local`: starts the local layer, prints its endpoints, draws the live view until Ctrl-C,
 * then stops gracefully (state stays in the data folder, so the next start resumes).
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { LocalContractsError, LocalLayerError, startLocalLayer } from '../local/layer.js';
import { startView } from '../local/view.js';
import { EXIT, type Io, UsageError } from './io.js';
import { printProblems } from './load-plan.js';
import { defaultContractsDir } from './project.js';

/** The port `npm start` listens on unless told otherwise (docs and the demo use it). */
export const DEFAULT_LOCAL_PORT = 4750;
export const DEFAULT_DATA_DIR = '.handoff';

export interface LocalFlags {
  contracts?: string;
  data?: string;
  port?: string;
  timeScale?: string;
  noTargets?: boolean;
  once?: boolean;
}

export async function localCommand(
  flags: LocalFlags,
  io: Io,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const port = flags.port === undefined ? DEFAULT_LOCAL_PORT : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port "${flags.port}" is not a port number (0-65535; 0 picks a free one)`);
  const timeScale = flags.timeScale === undefined ? 1 : Number(flags.timeScale);
  if (!Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 3600)
    throw new UsageError(
      `--time-scale "${flags.timeScale}" is not allowed; expected a number above 0 and at most 3600 (60 makes a minute a second)`,
    );
  const dataDir = resolve(flags.data ?? DEFAULT_DATA_DIR);
  try {
    if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    io.err(
      `handoff local: cannot use data folder ${dataDir} (${(error as NodeJS.ErrnoException).code ?? 'error'}): choose another with --data`,
    );
    return EXIT.usage;
  }
  const contractsDir = defaultContractsDir(flags.contracts);

  let layer: Awaited<ReturnType<typeof startLocalLayer>>;
  // A part the layer cannot run without stopped: say why, close the layer, exit 1.
  let fatal: LocalLayerError | undefined;
  let onFatal = (error: LocalLayerError) => {
    fatal ??= error;
  };
  try {
    layer = await startLocalLayer({
      contractsDir,
      dataDir,
      port,
      timeScale,
      targets: !flags.noTargets,
      onFatal: (error) => onFatal(error),
    });
  } catch (error) {
    if (error instanceof LocalContractsError) {
      printProblems(error.problems, contractsDir, io);
      return EXIT.problems;
    }
    if (error instanceof LocalLayerError) {
      io.err(`handoff local: ${error.message}`);
      return EXIT.problems;
    }
    throw error;
  }

  const e = layer.endpoints;
  io.out(
    [
      `handoff local layer is up (${layer.plan.contracts.length} contracts, data in ${dataDir}, time ×${e.timeScale})`,
      `  events (PutEvents)  ${e.events}   bus ${e.busName}`,
      `  support page        ${e.statusApi.replace(/\/v1$/, '/')}   (open in a browser)`,
      `  status API          ${e.statusApi}   e.g. curl ${e.statusApi}/entities/customer/42`,
      `  DynamoDB            ${e.dynamodb}`,
      `  SQS                 ${e.sqs}`,
      ...(e.targets
        ? [
            `  example targets     ${e.targets}   faults: curl -X PUT ${e.targets}/_admin/faults/helpdesk -d '{"mode":"down"}'`,
          ]
        : []),
      `  endpoints file      ${resolve(dataDir, 'endpoints.json')}`,
      `  logs                ${resolve(dataDir, 'logs')}`,
      '',
    ].join('\n'),
  );
  if (flags.once) {
    await layer.close();
    return EXIT.ok;
  }

  const stopView = startView(process.stdout, () => layer.stats(), e);
  return await new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string, code: number = EXIT.ok) => {
      if (stopping) return;
      stopping = true;
      stopView();
      io.out(`\n${signal}: stopping; pending work is kept and resumes on the next start…`);
      layer.close().then(
        () => {
          io.out('stopped.');
          done(code);
        },
        (error: unknown) => {
          io.err(
            `handoff local: stopped with an error: ${error instanceof Error ? error.message : String(error)}`,
          );
          done(EXIT.problems);
        },
      );
    };
    signals.once('SIGINT', () => stop('Ctrl-C'));
    signals.once('SIGTERM', () => stop('SIGTERM'));
    onFatal = (error) => {
      io.err(`\nhandoff local: ${error.message}`);
      stop('error', EXIT.problems);
    };
    if (fatal) onFatal(fatal);
  });
}
