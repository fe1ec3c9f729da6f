/**
 * Builds the support page (lambdas/status-api/page/) into lambdas/status-api/assets.ts: esbuild
 * bundles and minifies the TypeScript and the CSS, each file is named by its content hash, and the
 * HTML template gets those names. The generated module carries every file as a base64 string, so
 * the Lambda bundle serves the page with no filesystem access and the local layer serves it through
 * the same handler. A test fails when the committed module is out of date with the sources.
 *
 *   node --import ./node_modules/tsx/dist/loader.mjs scripts/build-page.ts [--check]
 *
 * Exit codes: 0 written (or up to date with --check), 1 out of date (--check), 2 build failed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the page's sources are. */
export const PAGE_DIR = join(ROOT, 'lambdas', 'status-api', 'page');
/** The generated module. */
export const ASSETS_MODULE = join(ROOT, 'lambdas', 'status-api', 'assets.ts');
/** The command that regenerates it (tests name it when the module is stale). */
export const BUILD_COMMAND = 'node --import ./node_modules/tsx/dist/loader.mjs scripts/build-page.ts';
/** Browsers the page supports (AbortSignal.any and :focus-visible set the floor). */
export const BROWSER_TARGETS = ['chrome116', 'edge116', 'firefox124', 'safari17.4'];

/** One built file. */
export interface BuiltFile {
  /** Served name, e.g. app.0123456789abcdef.js; index.html for the page. */
  name: string;
  contentType: string;
  hash: string;
  body: Buffer;
}

/** The built page: the HTML and its assets. */
export interface BuiltPage {
  html: BuiltFile;
  assets: BuiltFile[];
}

/** Bundles and minifies the page; throws PageBuildError with esbuild's messages when it cannot. */
export async function buildPage(pageDir = PAGE_DIR): Promise<BuiltPage> {
  const common = {
    bundle: true,
    minify: true,
    write: false,
    charset: 'utf8' as const,
    legalComments: 'none' as const,
    logLevel: 'silent' as const,
    target: BROWSER_TARGETS,
    absWorkingDir: ROOT,
  };
  let js: Uint8Array;
  let css: Uint8Array;
  try {
    const [script, styles] = await Promise.all([
      build({ ...common, entryPoints: [join(pageDir, 'app.ts')], format: 'esm', platform: 'browser' }),
      build({ ...common, entryPoints: [join(pageDir, 'styles.css')], loader: { '.css': 'css' } }),
    ]);
    js = only(script.outputFiles, 'app.ts');
    css = only(styles.outputFiles, 'styles.css');
  } catch (cause) {
    const errors = (
      cause as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }
    ).errors;
    const detail = errors?.length
      ? errors
          .map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`)
          .join('\n')
      : String(cause);
    throw new PageBuildError(`the page did not build:\n${detail}`, { cause });
  }
  const script = file('app', 'js', 'text/javascript; charset=utf-8', Buffer.from(js));
  const styles = file('styles', 'css', 'text/css; charset=utf-8', Buffer.from(css));
  const template = readFileSync(join(pageDir, 'index.html'), 'utf8');
  for (const placeholder of ['{{script}}', '{{styles}}'])
    if (!template.includes(placeholder))
      throw new PageBuildError(`index.html must contain ${placeholder} (where the built asset's name goes)`);
  // Relative asset URLs: the page works at / and under a stage path or a proxy's prefix.
  const html = template
    .replace('{{script}}', `assets/${script.name}`)
    .replace('{{styles}}', `assets/${styles.name}`);
  const page: BuiltFile = {
    name: 'index.html',
    contentType: 'text/html; charset=utf-8',
    hash: hashOf(Buffer.from(html, 'utf8')),
    body: Buffer.from(html, 'utf8'),
  };
  return { html: page, assets: [script, styles] };
}

/** The build failed: names the file and line esbuild reported. */
export class PageBuildError extends Error {
  override readonly name = 'PageBuildError';
}

function only(files: Array<{ contents: Uint8Array }> | undefined, what: string): Uint8Array {
  const first = files?.[0];
  if (!first || files.length !== 1)
    throw new PageBuildError(`esbuild produced ${files?.length ?? 0} files for ${what}`);
  return first.contents;
}

function file(base: string, ext: string, contentType: string, body: Buffer): BuiltFile {
  const hash = hashOf(body);
  return { name: `${base}.${hash}.${ext}`, contentType, hash, body };
}

function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** The source of lambdas/status-api/assets.ts for a built page (formatted as Biome formats it). */
export function renderAssetsModule(page: BuiltPage): string {
  const entry = (f: BuiltFile, indent: string) =>
    [
      `${indent}name: '${f.name}',`,
      `${indent}contentType: '${f.contentType}',`,
      `${indent}hash: '${f.hash}',`,
      `${indent}bytes: ${f.body.length},`,
      // Biome puts a string too long for the line on the next one.
      `${indent}brotli:\n${indent}  '${compress(f.body).toString('base64')}',`,
    ].join('\n');
  return `/**
 * GENERATED by scripts/build-page.ts from lambdas/status-api/page/: do not edit. After changing the
 * page, run \`${BUILD_COMMAND}\`.
 *
 * The support page as strings, so the status API's Lambda bundle serves it with no filesystem
 * access. Bodies are brotli-compressed (served as is to browsers that accept br, decompressed for
 * others) and base64-encoded: API Gateway and the local layer decode them (isBase64Encoded), and
 * base64 needs no escaping in a TypeScript string.
 */

/** One built file of the page. */
export interface PageAsset {
  /** Served name: \`<name>.<hash>.<ext>\` for assets, index.html for the page. */
  name: string;
  contentType: string;
  /** The first 16 hex digits of the body's SHA-256. */
  hash: string;
  /** Size of the body in bytes (uncompressed). */
  bytes: number;
  /** The body, brotli-compressed and base64-encoded. */
  brotli: string;
}

/** The page served at GET /. */
export const PAGE_HTML: PageAsset = {
${entry(page.html, '  ')}
};

/** The page's script and styles by served name (GET /assets/{name}). */
export const PAGE_ASSETS: Readonly<Record<string, PageAsset>> = {
${page.assets.map((a) => `  '${a.name}': {\n${entry(a, '    ')}\n  },`).join('\n')}
};
`;
}

/** Brotli at maximum quality: built once, served many times. */
export function compress(body: Buffer): Buffer {
  return brotliCompressSync(body, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
      [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
}

/** Sizes of the built files, raw and gzipped, for the build's report. */
export function sizes(page: BuiltPage): Array<{ name: string; bytes: number; gzipBytes: number }> {
  return [page.html, ...page.assets].map((f) => ({
    name: f.name,
    bytes: f.body.length,
    gzipBytes: gzipSync(f.body, { level: 9 }).length,
  }));
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(
      `build-page: unknown argument ${unknown.join(' ')}\nUsage: build-page.ts [--check]\n`,
    );
    return 2;
  }
  let page: BuiltPage;
  try {
    page = await buildPage();
  } catch (error) {
    process.stderr.write(`build-page: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const source = renderAssetsModule(page);
  const target = relative(ROOT, ASSETS_MODULE);
  let existing = '';
  try {
    existing = readFileSync(ASSETS_MODULE, 'utf8');
  } catch {
    // not generated yet
  }
  for (const s of sizes(page))
    process.stdout.write(
      `${s.name.padEnd(28)} ${String(s.bytes).padStart(7)} bytes  ${String(s.gzipBytes).padStart(6)} gzipped\n`,
    );
  if (check) {
    if (existing === source) {
      process.stdout.write(`${target} is up to date\n`);
      return 0;
    }
    process.stderr.write(`${target} is out of date: run ${BUILD_COMMAND}\n`);
    return 1;
  }
  if (existing === source) {
    process.stdout.write(`${target} was already up to date\n`);
    return 0;
  }
  writeFileSync(ASSETS_MODULE, source);
  process.stdout.write(`wrote ${target}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
