/**
 * Argument parsing shared by the scripts in tools/: node's parseArgs plus `--help` / `-h`, which
 * prints the script's header comment (each script documents its usage there), and a one-line error
 * with exit code 2 for an unknown or malformed flag instead of a stack trace.
 *
 *   const { values, positionals } = parseToolArgs(import.meta.url, { options: {...}, allowPositionals });
 *   parseToolArgs(import.meta.url, { positionals: 3 })   // exactly three positionals, no flags
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

/**
 * `--data`: a packed Omniglot folder; default HYPERTX_OMNIGLOT_DIR, else the background split in a
 * `shared/datasets` folder beside the repository (where this project's machines keep it).
 */
export const OMNIGLOT_DATA_OPTION = {
  type: 'string',
  default: process.env.HYPERTX_OMNIGLOT_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/datasets/omniglot-background'),
};

/** The first block comment of a script, without its `*` gutters. */
export function headerComment(file) {
  const match = /\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'));
  if (!match) return '';
  return match[1]
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

export function parseToolArgs(scriptUrl, { options = {}, allowPositionals = false, positionals: exactly } = {}) {
  const file = fileURLToPath(scriptUrl);
  const name = path.basename(file);
  const fail = (message) => {
    process.stderr.write(`${name}: ${message}\nRun \`node ${path.relative(process.cwd(), file)} --help\` for usage.\n`);
    process.exit(2);
  };
  let parsed;
  try {
    parsed = parseArgs({
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: allowPositionals || exactly !== undefined,
    });
  } catch (err) {
    fail(err.message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${headerComment(file)}\n`);
    process.exit(0);
  }
  if (exactly !== undefined && parsed.positionals.length !== exactly) {
    fail(`expected ${exactly} arguments, got ${parsed.positionals.length}`);
  }
  return parsed;
}

/**
 * Awaits a pipeline call; our errors (they carry a code and name the bad file or value) end the
 * tool with one line and exit 2 (usage) or 1, not a stack trace. Anything else is a bug: rethrown.
 */
export async function orExplain(tool, promise) {
  try {
    return await promise;
  } catch (err) {
    if (!err?.code) throw err;
    console.error(`${tool}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`);
    process.exit(err.kind === 'usage' ? 2 : 1);
  }
}
