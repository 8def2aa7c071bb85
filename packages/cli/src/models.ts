/** The HyperTransformers bundled with the CLI (`-m default`, `-m omniglot-4ch`, `-m omniglot-16ch`) and model paths. */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { HypertxError } from '@hypertx/export';

/** Folder of bundled models, shipped in the package beside dist/. */
export const MODELS_DIR = fileURLToPath(new URL('../models/', import.meta.url));
export const MODEL_EXTENSION = '.hxmodel';
export const DEFAULT_MODEL = 'default';

export function bundledModels(): string[] {
  if (!existsSync(MODELS_DIR)) return [];
  return readdirSync(MODELS_DIR)
    .filter((f) => f.endsWith(MODEL_EXTENSION))
    .map((f) => f.slice(0, -MODEL_EXTENSION.length))
    .sort();
}

/** The file of a bundled model name (`default`, ...); undefined for anything else, paths included. */
export function bundledModelPath(name: string): string | undefined {
  if (name.includes('/') || name.includes('\\')) return undefined;
  const bundled = path.join(MODELS_DIR, name + MODEL_EXTENSION);
  return existsSync(bundled) ? bundled : undefined;
}

/** A bundled model name or a file path → the file to load. */
export function resolveModel(nameOrPath: string): string {
  const bundled = bundledModelPath(nameOrPath);
  if (bundled) return bundled;
  if (existsSync(nameOrPath)) return nameOrPath;
  throw new HypertxError('E_MODEL_NOT_FOUND', `model "${nameOrPath}" is neither a bundled model nor an existing file`, {
    kind: 'input',
    path: nameOrPath,
    hint: `bundled models: ${bundledModels().join(', ') || '(none)'}; or pass the path of a .hxmodel/.hxckpt file from hypertx train`,
  });
}
