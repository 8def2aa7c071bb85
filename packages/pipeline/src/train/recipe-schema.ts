/**
 * The JSON Schema of a training recipe: the file `recipe.schema.json` at the package root is the one
 * source (editors read it through the package's `exports`; the validator compiles the same file).
 * Ajv and the schema load on the first validation, so importing the library stays cheap.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

/** The schema file (dist/train → the package root). */
export const RECIPE_SCHEMA_FILE = fileURLToPath(new URL('../../recipe.schema.json', import.meta.url));

/** Where editors find the schema of this version; the `$schema` of every recipe.json training writes. */
export function recipeSchemaUrl(): string {
  const { version } = require('../../package.json') as { version: string };
  return `https://unpkg.com/@hypertx/pipeline@${version}/recipe.schema.json`;
}

let validator: ValidateFunction | undefined;

/** Every way `value` breaks the schema (Ajv's errors, verbose: each carries its parent schema); [] when it fits. */
export function recipeSchemaErrors(value: unknown): ErrorObject[] {
  validator ??= compileSchema();
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

function compileSchema(): ValidateFunction {
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  // strict: a schema keyword Ajv does not know is a bug in the schema file, not in the recipe.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  return ajv.compile(require(RECIPE_SCHEMA_FILE) as object);
}
