/**
 * `hypertx serve`: @hypertx/server listening until SIGTERM/Ctrl-C, which stops taking new requests,
 * lets the ones in flight finish (Fastify's close) and exits 0. Prints the URL; one line per request
 * (or Fastify's JSON log lines with --json) on stdout.
 */
import { HypertxError, isHypertxError } from '@hypertx/export';
import pc from 'picocolors';
import { EXIT } from '../exit-codes.js';
import { forTerminal, jsonText } from '../terminal-text.js';

interface ServeCommandOptions {
  host: string;
  port: number;
  token?: string;
  insecure?: boolean;
  models: string;
  maxConcurrent?: number;
  maxQueue?: number;
  maxRequestBytes?: number;
  maxFileBytes?: number;
  maxClasses?: number;
  maxImagesPerClass?: number;
  maxPixels?: number;
  json?: boolean;
  quiet?: boolean;
}

export async function run(options: ServeCommandOptions): Promise<number> {
  const { createServer, serverUrl } = await import('@hypertx/server');
  // From the environment rather than a flag by preference: a flag shows in `ps`.
  const token = options.token ?? (process.env['HYPERTX_TOKEN'] || undefined);
  const server = createServer({
    host: options.host,
    port: options.port,
    ...(token !== undefined ? { token } : {}),
    insecure: options.insecure === true,
    models: options.models.split(',').map((m) => m.trim()).filter(Boolean),
    limits: {
      maxConcurrent: options.maxConcurrent,
      maxQueue: options.maxQueue,
      maxRequestBytes: options.maxRequestBytes,
      maxFileBytes: options.maxFileBytes,
      maxClasses: options.maxClasses,
      maxImagesPerClass: options.maxImagesPerClass,
      maxPixels: options.maxPixels,
    },
    logger: options.json === true,
  });

  if (!options.json) {
    server.addHook('onResponse', async (request, reply) => {
      // The method and URL are the client's: escaped for the terminal.
      if (!options.quiet) process.stdout.write(`${forTerminal(request.method)} ${forTerminal(request.url)} ${colourStatus(reply.statusCode)} ${Math.round(reply.elapsedTime)} ms\n`);
    });
    // Client errors are the client's (the request line shows their status); the server's own failures get a line of their own.
    server.addHook('onError', async (request, _reply, err) => {
      if (!isServerFailure(err)) return;
      process.stderr.write(`${pc.red('error')} ${forTerminal(request.method)} ${forTerminal(request.url)}: ${forTerminal(err.message)}\n`);
      if (process.env['HYPERTX_DEBUG']) process.stderr.write(`${String(err.stack)}\n`);
    });
  }

  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(EXIT.interrupted); // a second signal: stop now
    const { admitted } = server.hypertx.compiles();
    say(options, 'stopping', `${signal}: stopping; finishing ${admitted} compile request${admitted === 1 ? '' : 's'} in flight (signal again to quit at once)`);
    stopping = server.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const closed = new Promise<void>((resolve) => server.addHook('onClose', async () => resolve()));

  try {
    await server.listen({ host: options.host, port: options.port });
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new HypertxError('E_PORT_IN_USE', `port ${options.port} on ${options.host} is in use`, { kind: 'usage', hint: 'Pick another with --port, or --port 0 for any free one.' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new HypertxError('E_USAGE', `cannot listen on ${options.host}: no such interface on this machine`, { kind: 'usage' });
    throw err;
  }
  const url = serverUrl(server);
  const { models, limits } = server.hypertx.options;
  say(options, 'listening', `hypertx serve: ${url}  (models: ${models.join(', ')}; token: ${token ? 'required' : 'off'}; ${limits.maxConcurrent} compile at a time, ${limits.maxQueue} queued)`, { url });
  try {
    await closed;
    await stopping;
    say(options, 'stopped', 'stopped');
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A line for people, or with --json one JSON line among Fastify's log lines. */
function say(options: ServeCommandOptions, event: string, text: string, extra: Record<string, unknown> = {}): void {
  if (options.json) process.stdout.write(jsonText({ event, msg: text, ...extra }) + '\n');
  else if (event === 'listening') process.stdout.write(`${forTerminal(text)}\n`);
  else process.stderr.write(`${pc.dim(forTerminal(text))}\n`);
}

/** A 5xx other than 503 (busy, shutting down, client gone): what an operator should look at. */
function isServerFailure(err: unknown): boolean {
  const e = err as { status?: unknown; statusCode?: unknown };
  if (typeof e.status === 'number') return e.status >= 500 && e.status !== 503;
  if (isHypertxError(err)) return err.kind === 'internal' || err.kind === 'verification';
  return !(typeof e.statusCode === 'number' && e.statusCode < 500);
}

function colourStatus(status: number): string {
  const s = String(status);
  return status >= 500 ? pc.red(s) : status >= 400 ? pc.yellow(s) : pc.green(s);
}
