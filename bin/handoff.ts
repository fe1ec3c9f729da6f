/**
 * Entry point of ./bin/handoff. Unexpected failures are bugs: say so plainly, and show the stack
 * only when asked (HANDOFF_DEBUG=1); users' mistakes never reach here.
 */
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `handoff: internal error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    if (process.env.HANDOFF_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
    else process.stderr.write('(set HANDOFF_DEBUG=1 for details, and please report it)\n');
    process.exitCode = 70;
  },
);
