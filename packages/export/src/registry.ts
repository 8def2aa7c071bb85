/**
 * Format registry, in the style of onnxruntime-js's backend registry: plugins are registered with a
 * priority; looking up an unknown id lists the known ones. Plugin packages only export their plugin
 * objects; whoever composes the application (the CLI) registers them explicitly.
 */
import { HypertxError } from './errors.js';
import type { FormatPlugin } from './plugin.js';

export interface RegisterOptions {
  /** Higher wins when two plugins claim the same id; also orders `list()` (highest first). Default 0. */
  priority?: number;
}

interface Entry {
  plugin: FormatPlugin;
  priority: number;
  order: number;
}

export class FormatRegistry {
  readonly #entries = new Map<string, Entry>();
  #counter = 0;

  /**
   * Registers `plugin` under `plugin.id`. A different plugin with the same id replaces the current
   * one only with a strictly higher priority; with an equal priority it is an error.
   */
  register(plugin: FormatPlugin, options: RegisterOptions = {}): void {
    if (!plugin || typeof plugin.id !== 'string' || plugin.id === '' || typeof plugin.write !== 'function') {
      throw new HypertxError('E_FORMAT_PLUGIN', 'not a format plugin: it needs a non-empty string "id" and a write() function', {
        kind: 'internal',
      });
    }
    const priority = options.priority ?? 0;
    const existing = this.#entries.get(plugin.id);
    if (existing && existing.plugin !== plugin) {
      if (priority < existing.priority) return;
      if (priority === existing.priority) {
        throw new HypertxError(
          'E_FORMAT_DUPLICATE',
          `format "${plugin.id}" is already registered by another plugin with the same priority ${priority}`,
          { kind: 'internal', hint: 'Register the replacement with a higher priority.' },
        );
      }
    }
    this.#entries.set(plugin.id, { plugin, priority, order: existing?.order ?? this.#counter++ });
  }

  /** The plugin for `id`; throws `E_FORMAT_UNKNOWN` (kind usage) listing the known ids. */
  get(id: string): FormatPlugin {
    const entry = this.#entries.get(id);
    if (!entry) {
      const known = this.list().map((p) => p.id);
      throw new HypertxError(
        'E_FORMAT_UNKNOWN',
        `unknown format "${id}"; known formats: ${known.length ? known.join(', ') : '(none registered)'}`,
        { kind: 'usage', hint: 'Pick one of the known formats.' },
      );
    }
    return entry.plugin;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  unregister(id: string): boolean {
    return this.#entries.delete(id);
  }

  /** Registered plugins, highest priority first, then in registration order. */
  list(): FormatPlugin[] {
    return [...this.#entries.values()]
      .sort((a, b) => b.priority - a.priority || a.order - b.order)
      .map((e) => e.plugin);
  }
}

/** The process-wide default registry used by the functions below. */
export const defaultFormatRegistry = new FormatRegistry();

export function registerFormat(plugin: FormatPlugin, options?: RegisterOptions): void {
  defaultFormatRegistry.register(plugin, options);
}

export function getFormat(id: string): FormatPlugin {
  return defaultFormatRegistry.get(id);
}

export function listFormats(): FormatPlugin[] {
  return defaultFormatRegistry.list();
}
