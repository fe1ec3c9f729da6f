/**
 * Ajv for tooling (never bundled into handlers): contract-file structure, detail-schema checks,
 * and OpenAPI response checks in tests. One place for the CommonJS interop.
 */
import { Ajv, type Options } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under Node's ESM loader its default export is module.exports, which
// also carries itself as `.default`; TypeScript sees the namespace. `.default` works for both.
const addFormats = (formatsModule as unknown as { default: (ajv: Ajv | Ajv2020) => void }).default;

/** A draft-07 Ajv with formats. */
export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

/** A draft 2020-12 Ajv with formats (contract detail schemas, OpenAPI 3.1). */
export function createAjv2020(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}
