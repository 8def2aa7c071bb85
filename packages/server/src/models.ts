/**
 * The models this server offers: every bundled model, plus .hxmodel files the operator named. Each
 * is loaded once (the first request that needs it waits for the load; concurrent ones share it) and
 * reused for every compile. Clients name models; they never give paths.
 */
import path from 'node:path';
import { bundledModelPath, bundledModels, inspectFile, loadModel, resolveModel, type LoadedModel } from '@hypertx/pipeline';
import { usageError } from '@hypertx/export';
import { ApiError } from './errors.js';

export interface ModelInfo {
  name: string;
  /** Shipped with @hypertx/pipeline, or a file the operator gave. */
  source: 'bundled' | 'file';
  /** Loaded and ready (the first compile with a model not loaded yet also loads it). */
  loaded: boolean;
  kind: string;
  /** Input images are decoded and resized to this. */
  image: { height: number; width: number; channels: number };
  /** Which support sets it accepts, in words. */
  accepts: string;
  parameters: number;
  /** Training facts (recipe, step, validation accuracy). */
  metadata: Record<string, string>;
}

export class ModelRegistry {
  /** name → file */
  readonly #files = new Map<string, string>();
  readonly #sources = new Map<string, 'bundled' | 'file'>();
  readonly #loading = new Map<string, Promise<LoadedModel>>();
  readonly #loaded = new Set<string>();
  readonly #info = new Map<string, Promise<ModelInfo>>();
  /** The names loaded at start-up (the first is the default for requests that name none). */
  readonly preload: string[];

  constructor(models: readonly string[]) {
    for (const name of bundledModels()) {
      this.#files.set(name, bundledModelPath(name)!);
      this.#sources.set(name, 'bundled');
    }
    this.preload = [];
    for (const entry of models) {
      if (bundledModelPath(entry)) {
        this.preload.push(entry);
        continue;
      }
      const file = resolveModel(entry); // throws E_MODEL_NOT_FOUND for a name that is neither
      const name = path.basename(file).replace(/\.(hxmodel|hxckpt)$/, '');
      if (this.#sources.get(name) === 'bundled') {
        throw usageError('E_USAGE', `model file ${entry} would be offered as "${name}", the name of a bundled model`, { hint: 'Rename the file.' });
      }
      this.#files.set(name, file);
      this.#sources.set(name, 'file');
      this.preload.push(name);
    }
    if (this.preload.length === 0) throw usageError('E_USAGE', 'give at least one model to load', { hint: `bundled: ${bundledModels().join(', ')}` });
  }

  /** The model requests get when they name none: the first preloaded one. */
  get defaultName(): string {
    return this.preload[0]!;
  }

  names(): string[] {
    return [...this.#files.keys()].sort();
  }

  isLoaded(name: string): boolean {
    return this.#loaded.has(name);
  }

  /** Throws 400 naming the field when `name` is not a model of this server. */
  check(name: string, field = 'model'): void {
    if (!this.#files.has(name)) {
      throw new ApiError(400, 'E_MODEL_NOT_FOUND', `no model "${name}" on this server`, { field, hint: `Models: ${this.names().join(', ')} (GET /v1/models).` });
    }
  }

  load(name: string): Promise<LoadedModel> {
    this.check(name);
    let loading = this.#loading.get(name);
    if (!loading) {
      loading = loadModel(this.#files.get(name)!).then((loaded) => {
        this.#loaded.add(name);
        // Compiled files record the model by name; give the one clients use, not a server path.
        return { ...loaded, name };
      });
      // A failed load is not remembered: the next request tries again.
      loading.catch(() => this.#loading.delete(name));
      this.#loading.set(name, loading);
    }
    return loading;
  }

  info(name: string): Promise<ModelInfo> {
    this.check(name);
    let info = this.#info.get(name);
    if (!info) {
      info = inspectFile(this.#files.get(name)!).then((summary) => {
        if (summary.kind !== 'hypertransformer' && summary.kind !== 'protonet') {
          throw usageError('E_USAGE', `${name} is not a HyperTransformer (inspect says ${summary.kind})`);
        }
        return {
          name,
          source: this.#sources.get(name)!,
          loaded: false,
          kind: summary.kind,
          image: summary.image,
          accepts: summary.accepts,
          parameters: summary.parameters,
          metadata: summary.metadata,
        };
      });
      info.catch(() => this.#info.delete(name));
      this.#info.set(name, info);
    }
    return info.then((i) => ({ ...i, loaded: this.isLoaded(name) }));
  }
}
