/** Server options, their defaults and the checks made before anything starts. */
import { isIP } from 'node:net';
import { usageError } from '@hypertx/export';

export interface ServerLimits {
  /** Bytes of one request body, all parts together (default 16 MiB). */
  maxRequestBytes: number;
  /** Bytes of one uploaded image (default 4 MiB). */
  maxFileBytes: number;
  /** Classes in one compile request (default 20, what the bundled models accept). */
  maxClasses: number;
  /** Labelled images per class (default 50). */
  maxImagesPerClass: number;
  /** Unlabelled images per request (default 100). */
  maxUnlabeled: number;
  /** Pixels (width × height) of one image, read from its header before decoding (default 16 Mi). */
  maxPixels: number;
  /** Compiles running at once (default 1: a compile keeps one core busy on the event loop). */
  maxConcurrent: number;
  /** Compile requests admitted beyond those running (uploading or waiting their turn; default 8). Then 503. */
  maxQueue: number;
  /** Milliseconds to receive a whole request, so a slow upload cannot hold its place forever (default 60 s). */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxRequestBytes: 16 * 1024 * 1024,
  maxFileBytes: 4 * 1024 * 1024,
  maxClasses: 20,
  maxImagesPerClass: 50,
  maxUnlabeled: 100,
  maxPixels: 16 * 1024 * 1024,
  maxConcurrent: 1,
  maxQueue: 8,
  requestTimeoutMs: 60_000,
});

/** Compiled results kept in memory for downloads and classification (nothing is written to disk). */
export interface CacheOptions {
  /** Results kept (default 32); the least recently used goes first. */
  entries: number;
  /** Bytes of files kept, all results together (default 64 MiB). */
  bytes: number;
  /** How long a result stays (default 1 hour). */
  ttlMs: number;
}

export const DEFAULT_CACHE: Readonly<CacheOptions> = Object.freeze({ entries: 32, bytes: 64 * 1024 * 1024, ttlMs: 60 * 60 * 1000 });

export interface ServerOptions {
  /** Interface to listen on (default 127.0.0.1). Any other needs `token`, or `insecure`. */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Bearer token every /v1 request must carry (`Authorization: Bearer <token>`); none by default. */
  token?: string;
  /** Allow a non-loopback host without a token (behind a proxy that authenticates, say). */
  insecure?: boolean;
  /**
   * Models loaded at start-up: bundled names or .hxmodel paths (a path is offered under its file name
   * without extension). Default `['default']`. Other bundled models load on first use.
   */
  models?: readonly string[];
  limits?: Partial<ServerLimits>;
  cache?: Partial<CacheOptions>;
  /** Fastify's logger option (pino): false by default; `true` logs JSON lines on stdout. */
  logger?: boolean | Record<string, unknown>;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  token: string | undefined;
  insecure: boolean;
  models: string[];
  limits: ServerLimits;
  cache: CacheOptions;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError('E_USAGE', `port must be a whole number 0–65535, got ${String(port)}`);
  const token = options.token;
  if (token !== undefined && (token.length < 8 || /\s/.test(token))) {
    throw usageError('E_USAGE', 'the token must be at least 8 characters, without spaces', { hint: 'Make one with: openssl rand -hex 24' });
  }
  if (!isLoopback(host) && token === undefined && options.insecure !== true) {
    throw usageError('E_INSECURE_HOST', `refusing to listen on ${host} without a token: anyone who can reach it could use this server`, {
      hint: 'Give a token (--token or HYPERTX_TOKEN), or --insecure when something in front of the server authenticates requests.',
    });
  }
  const limits = { ...DEFAULT_LIMITS, ...definedOnly(options.limits) };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < (name === 'maxQueue' ? 0 : 1)) throw usageError('E_USAGE', `limits.${name} must be a whole number ≥ ${name === 'maxQueue' ? 0 : 1}, got ${String(value)}`);
  }
  const cache = { ...DEFAULT_CACHE, ...definedOnly(options.cache) };
  for (const [name, value] of Object.entries(cache)) {
    if (!Number.isSafeInteger(value) || value < 1) throw usageError('E_USAGE', `cache.${name} must be a whole number ≥ 1, got ${String(value)}`);
  }
  const models = [...(options.models ?? ['default'])];
  return { host, port, token, insecure: options.insecure === true, models, limits, cache };
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and "localhost": reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(h);
  return false;
}

function definedOnly<T extends object>(value: Partial<T> | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
