/**
 * Worker thread hosting the local layer's embedded DynamoDB (dynalite), started by dynamo-server.ts.
 * Plain CommonJS so the worker needs no TypeScript loader: it starts fast and runs the same under
 * tsx, vitest and plain node.
 *
 * Protocol (parentPort): the worker posts { type: 'ready', port } or { type: 'failed', message,
 * code }; it answers { type: 'close' } with { type: 'closed', error? } once the HTTP server and
 * the LevelDB store are closed.
 */
const { createRequire } = require('node:module');
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require('dynalite');

/** dynalite's own copy of `level`, to open the store once before dynalite does (see below). */
const requireFromDynalite = createRequire(require.resolve('dynalite'));

/** @type {{ path?: string, host: string, port: number }} */
const options = workerData;

async function start() {
  // dynalite opens its store lazily and reports a failed open only as "Database is closed" from
  // the first request, thrown where nothing can catch it. Opening it here first turns a data
  // folder that another process holds into a clear start-up error.
  if (options.path) {
    const { Level } = requireFromDynalite('level');
    const probe = new Level(options.path, { valueEncoding: 'json' });
    try {
      await probe.open();
    } catch (error) {
      const cause = error?.cause instanceof Error ? error.cause.message : '';
      const failure = new Error(cause || (error instanceof Error ? error.message : String(error)));
      failure.code = error?.code || 'OPEN_FAILED';
      throw failure;
    } finally {
      await probe.close().catch(() => undefined);
    }
  }
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  parentPort.on('message', (message) => {
    if (message?.type !== 'close') return;
    server.closeAllConnections?.();
    server.close((error) =>
      parentPort.postMessage({ type: 'closed', error: error ? error.message : undefined }),
    );
  });
  parentPort.postMessage({ type: 'ready', port: server.address().port });
}

start().catch((error) => {
  parentPort.postMessage({
    type: 'failed',
    message: error instanceof Error ? error.message : String(error),
    code: typeof error?.code === 'string' ? error.code : undefined,
  });
});
