/**
 * Runs example targets in a child process, for the kill -9 test: prints their URL as one JSON
 * line, then serves until killed. Arguments: the data folder.
 */
import { startExampleTargets } from '../../../lib/local/targets/index.js';
import { CREDENTIALS } from './helpers.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: child-targets.ts <dataDir>');
const targets = await startExampleTargets({ dataDir, credentials: CREDENTIALS, fencing: true });
process.stdout.write(`${JSON.stringify({ url: targets.url, pid: process.pid })}\n`);
