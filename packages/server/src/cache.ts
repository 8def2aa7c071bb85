/**
 * Compiled results kept in memory, by an unguessable id, so that a client can download a file by
 * URL or classify a query image with the model it just compiled. Bounded by count, bytes and age;
 * the least recently used result goes first. Nothing is ever written to disk.
 */
import { randomUUID } from 'node:crypto';
import type { CacheOptions } from './options.js';

export interface CachedFile {
  /** Download name: `model.onnx`, `model_int8.tflite`, ... */
  name: string;
  format: string;
  role: string;
  bytes: Uint8Array;
}

export interface CachedResult {
  id: string;
  labels: string[];
  input: { height: number; width: number; channels: number };
  files: CachedFile[];
  /** The format classification runs (ONNX when it was compiled) and its model bytes. */
  runnable: { format: string; bytes: Uint8Array } | undefined;
  expiresAt: number;
  size: number;
}

export class ResultCache {
  readonly #entries = new Map<string, CachedResult>();
  #bytes = 0;

  constructor(readonly options: CacheOptions) {}

  add(result: Omit<CachedResult, 'id' | 'expiresAt' | 'size'>): CachedResult {
    const size = result.files.reduce((sum, f) => sum + f.bytes.byteLength, 0);
    const entry: CachedResult = { ...result, id: randomUUID(), expiresAt: Date.now() + this.options.ttlMs, size };
    this.#entries.set(entry.id, entry);
    this.#bytes += size;
    this.#evict();
    return entry;
  }

  get(id: string): CachedResult | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#delete(entry);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry;
  }

  stats(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #evict(): void {
    const now = Date.now();
    for (const entry of this.#entries.values()) if (entry.expiresAt <= now) this.#delete(entry);
    for (const entry of this.#entries.values()) {
      if (this.#entries.size <= this.options.entries && this.#bytes <= this.options.bytes) break;
      this.#delete(entry);
    }
  }

  #delete(entry: CachedResult): void {
    if (this.#entries.delete(entry.id)) this.#bytes -= entry.size;
  }
}
