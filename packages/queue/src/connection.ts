/** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS) → BullMQ connection options. */
import { HypertxError } from '@hypertx/export';

/** The queue every hypertx batch goes through unless told otherwise. */
export const DEFAULT_QUEUE_NAME = 'hypertx-compile';

export interface RedisConnection {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  /** Workers block on Redis; BullMQ needs unlimited retries per request for them. */
  maxRetriesPerRequest: null;
}

export function parseRedisUrl(url: string): RedisConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(url);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw usage(url);
  const port = parsed.port ? Number(parsed.port) : 6379;
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined;
  if (!parsed.hostname || !Number.isInteger(port) || (db !== undefined && !Number.isInteger(db))) throw usage(url);
  return {
    host: parsed.hostname,
    port,
    ...(db !== undefined ? { db } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

function usage(url: string): HypertxError {
  return new HypertxError('E_USAGE', `--queue "${url}" is not a Redis URL`, { kind: 'usage', hint: 'write it as redis://host:port (or redis://:password@host:port/db, rediss:// for TLS)' });
}
