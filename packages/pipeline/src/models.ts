/**
 * The HyperTransformers bundled with this package (`default`, `omniglot-4ch`, `omniglot-16ch`) and
 * how a model argument — a bundled name, a file path, or a model already loaded — becomes a model.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { HypertxError } from '@hypertx/export';
import type { BackendChoice, HyperTransformer } from '@hypertx/core';

/** Folder of bundled models, shipped in the package beside dist/. */
export const MODELS_DIR = fileURLToPath(new URL('../models/', import.meta.url));
export const MODEL_EXTENSION = '.hxmodel';
export const DEFAULT_MODEL = 'default';

/** Names of the bundled models, sorted. */
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

/** A bundled model name or a file path → the file to load; a clear error listing the bundled names otherwise. */
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

/** A HyperTransformer with the name it was asked for: what compile takes as `model` to skip loading. */
export interface LoadedModel {
  /** The bundled name or the path it was loaded from (recorded in the compiled files' metadata). */
  name: string;
  path: string;
  model: HyperTransformer;
}

/**
 * Loads a bundled model by name, or a .hxmodel/.hxckpt file, on the current TensorFlow.js backend
 * (initialising `backend`, default auto, when none is yet).
 */
export async function loadModel(nameOrPath: string = DEFAULT_MODEL, options: { backend?: BackendChoice } = {}): Promise<LoadedModel> {
  const file = resolveModel(nameOrPath);
  const core = await import('@hypertx/core');
  if (!core.currentBackend()) await core.initBackend(options.backend ?? 'auto');
  return { name: nameOrPath, path: file, model: await core.loadModel(file) };
}
