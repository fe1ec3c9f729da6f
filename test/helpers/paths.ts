/** Paths tests share. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLE_CONTRACTS = join(PROJECT_ROOT, 'contracts');
export const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures');
