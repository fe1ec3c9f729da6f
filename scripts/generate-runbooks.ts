/**
 * Writes the generated contract runbook pages (runbooks/contracts/) from the contracts, or checks
 * every runbook without writing.
 *
 *   node --import ./node_modules/tsx/dist/loader.mjs scripts/generate-runbooks.ts [--check] [--contracts DIR]
 *
 * Exit codes: 0 done (or all checks pass), 1 problems found, 2 usage error or unwritable files.
 */
import { parseArgs } from 'node:util';
import { EXIT, processIo } from '../lib/cli/io.js';
import { runbooksCommand } from '../lib/runbooks/command.js';

const USAGE = 'Usage: generate-runbooks.ts [--check] [--contracts DIR]';

function run(argv: string[]): number {
  let values: { check?: boolean; contracts?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { check: { type: 'boolean' }, contracts: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    processIo.err(`generate-runbooks: ${(error as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.help) {
    processIo.out(USAGE);
    return EXIT.ok;
  }
  return runbooksCommand({ check: values.check === true, contracts: values.contracts }, processIo);
}

process.exitCode = run(process.argv.slice(2));
