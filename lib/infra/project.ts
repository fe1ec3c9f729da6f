/** Where the handoff project is on disk: Lambda entries and esbuild's project root are relative to it. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The handoff project root (package.json, package-lock.json, tsconfig.json, lambdas/, runbooks/). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
