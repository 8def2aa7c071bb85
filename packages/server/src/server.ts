/**
 * createServer: the Fastify app behind `hypertx serve`. Routes are thin: read the upload within the
 * limits, call the pipeline's `compile` with a model loaded once, answer JSON (or one file's bytes).
 * See docs/serve.md for the API and its limits.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import multipart from '@fastify/multipart';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { decodeImageBytes } from '@hypertx/data';
import { compile, formatDisplayName, formatIds, formatPlugin, isHypertxError, parseFormats, runModelBytes, type CompileResult } from '@hypertx/pipeline';
import { negotiate, OCTET_STREAM } from './accept.js';
import { ResultCache, type CachedFile, type CachedResult } from './cache.js';
import { ApiError, toHttpError } from './errors.js';
import { CompileGate, type GateStats } from './gate.js';
import { ModelRegistry, type ModelInfo } from './models.js';
import { openApiDocument } from './openapi.js';
import { resolveOptions, type ResolvedOptions, type ServerLimits, type ServerOptions } from './options.js';
import { CONTENT_SECURITY_POLICY, loadStaticFiles } from './static.js';
import { labelOf, readUpload, requestTooLarge, type FilePurpose, type Upload } from './upload.js';

export interface ServerState {
  options: ResolvedOptions;
  models: ModelRegistry;
  /** Compiles running, waiting and refused. */
  compiles(): GateStats;
  /** Compiled results held for downloads and classification. */
  cached(): { entries: number; bytes: number };
  /** Requests whose body is still being read. */
  uploading(): number;
}

/** The Fastify instance, with the server's state at `hypertx`. */
export type HypertxServer = FastifyInstance & { hypertx: ServerState };

const COMPILE_FIELDS = new Set(['model', 'formats', 'format', 'ink', 'levels', 'selfLabel', 'name']);
const MAX_LABEL_LENGTH = 100;

/**
 * The server, not yet listening: `await server.listen({ host: options.host, port })`, or use
 * `startServer`. The models in `options.models` load while it gets ready. Throws a usage error
 * (E_INSECURE_HOST) for a non-loopback host without a token unless `insecure`.
 */
export function createServer(options: ServerOptions = {}): HypertxServer {
  const resolved = resolveOptions(options);
  const { limits } = resolved;
  const models = new ModelRegistry(resolved.models);
  const gate = new CompileGate(limits.maxConcurrent, limits.maxQueue);
  const cache = new ResultCache(resolved.cache);
  const staticFiles = loadStaticFiles();
  const tokenDigest = resolved.token === undefined ? undefined : digest(resolved.token);
  const startedAt = Date.now();
  let uploading = 0;
  let closing = false;

  const app = fastify({
    logger: options.logger ?? false,
    // No route takes JSON; this only bounds what Fastify would parse before a 415.
    bodyLimit: 64 * 1024,
    requestTimeout: limits.requestTimeoutMs,
    // Our own 503 (onRequest below) has the error body every other error has.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    pluginTimeout: 120_000,
  });
  app.register(multipart, { throwFileSizeLimit: false });

  const state: ServerState = {
    options: resolved,
    models,
    compiles: () => gate.stats(),
    cached: () => cache.stats(),
    uploading: () => uploading,
  };
  app.decorate('hypertx', state);

  app.addHook('onReady', async () => {
    for (const name of models.preload) await models.load(name);
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Requests in flight when close began end their keep-alive connection with their response, so
  // close() does not wait for idle clients to hang up (Fastify closes only those idle at its start).
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('Connection', 'close');
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    if (closing) throw new ApiError(503, 'E_SHUTTING_DOWN', 'the server is shutting down', { headers: { Connection: 'close', 'Retry-After': '5' }, hint: 'Retry on another instance, or in a moment.' });
    if (!request.url.startsWith('/v1/')) return;
    // Started by hand on another interface (app.listen with a host createServer was not told about)?
    if (tokenDigest === undefined && !resolved.insecure && !isLoopbackSocket(request)) {
      throw new ApiError(403, 'E_INSECURE_HOST', 'this server has no token and only answers on the loopback interface', { hint: 'Start it with a token, or insecure: true.' });
    }
    if (tokenDigest !== undefined) {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match || !timingSafeEqual(digest(match[1]!), tokenDigest)) {
        throw new ApiError(401, 'E_UNAUTHORIZED', match ? 'wrong token' : 'this server needs a bearer token', {
          headers: { 'WWW-Authenticate': 'Bearer realm="hypertx"' },
          hint: 'Send Authorization: Bearer <token>.',
        });
      }
    }
    if (request.method === 'POST') {
      const length = Number(request.headers['content-length'] ?? 0);
      if (length > limits.maxRequestBytes) throw requestTooLarge(limits.maxRequestBytes);
    }
  });

  app.setErrorHandler((err, request, reply) => {
    const http = toHttpError(err);
    if (http.unexpected) request.log.error({ err }, 'unexpected error');
    if (!request.raw.readableEnded) {
      // The client may still be sending. Closing now would make many clients fail on a broken pipe
      // instead of reading this answer, so the rest of a body within the request limit is read and
      // dropped (the request timeout bounds a body without a length); an oversized one is not read.
      const declared = Number(request.headers['content-length'] ?? Number.NaN);
      const bounded = Number.isFinite(declared) ? declared <= limits.maxRequestBytes : http.status !== 413;
      if (bounded) {
        request.raw.unpipe();
        request.raw.resume();
      } else {
        reply.header('Connection', 'close');
      }
    }
    reply.code(http.status).headers(http.headers).type('application/json; charset=utf-8').send(http.body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'E_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}`, hint: 'See GET /openapi.json.' } });
  });

  for (const file of staticFiles) {
    app.get(file.path, async (_request, reply) => {
      reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY).header('Cache-Control', 'no-cache').type(file.type).send(file.body);
    });
  }

  app.get('/healthz', async () => ({
    status: 'ok',
    models: models.names().filter((n) => models.isLoaded(n)),
    compiles: gate.stats(),
    cache: cache.stats(),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  const openapi = openApiDocument();
  app.get('/openapi.json', async () => openapi);

  app.get('/v1/models', async () => {
    const list: ModelInfo[] = await Promise.all(models.names().map((n) => models.info(n)));
    return {
      default: models.defaultName,
      models: list,
      formats: formatIds().map((id) => ({ id, name: formatDisplayName(id), extension: (formatPlugin(id).stemSuffix ?? '') + formatPlugin(id).extension })),
      limits: publicLimits(limits),
    };
  });

  app.post('/v1/compile', async (request, reply) => {
    const query = request.query as Record<string, string | string[] | undefined>;
    for (const key of Object.keys(query)) {
      if (!COMPILE_FIELDS.has(key)) throw new ApiError(400, 'E_UNKNOWN_FIELD', `unknown query parameter "${key}"`, { field: key, hint: `Parameters: ${[...COMPILE_FIELDS].join(', ')}.` });
    }
    const negotiated = negotiate(request.headers.accept);
    const ticket = gate.admit();
    if (!ticket) {
      throw new ApiError(503, 'E_BUSY', `the server is busy: ${limits.maxConcurrent} compile${limits.maxConcurrent === 1 ? '' : 's'} running and ${limits.maxQueue} waiting`, {
        headers: { 'Retry-After': String(gate.retryAfterSeconds()) },
        hint: 'Retry after the number of seconds in Retry-After.',
      });
    }
    const aborted = clientGone(request, reply);
    try {
      uploading++;
      let upload: Upload;
      try {
        upload = await readUpload(request, { limits, fields: COMPILE_FIELDS, purposeOf: compilePurpose, maxFiles: limits.maxClasses * limits.maxImagesPerClass + limits.maxUnlabeled });
      } finally {
        uploading--;
      }
      const settings = compileSettings(upload, query, models, negotiated);
      const loaded = await models.load(settings.model);
      const queuedAt = performance.now();
      await ticket.turn(aborted);
      const started = performance.now();
      const input = supportInput(upload);
      let result: CompileResult;
      try {
        result = await compile(
          { images: input.images, unlabeled: input.unlabeled },
          {
            model: loaded,
            formats: settings.formats,
            ink: settings.ink,
            levels: settings.levels,
            selfLabel: settings.selfLabel,
            maxInputPixels: limits.maxPixels,
            signal: aborted,
          },
        );
      } catch (err) {
        throw namingUpload(err, input.sources, limits);
      }
      const timings = { queue: round(started - queuedAt), compile: round(performance.now() - started) };
      const entry = cache.add(cacheEntry(result, settings.name));
      if (negotiated.kind === 'raw') return sendRaw(reply, entry, result, negotiated.mediaType);
      return compileResponse(entry, result, settings.model, timings, cache.options.ttlMs);
    } finally {
      ticket.release();
    }
  });

  app.get('/v1/compiled/:id/files/:name', async (request, reply) => {
    const { id, name } = request.params as { id: string; name: string };
    const entry = cachedOr404(cache, id);
    const file = entry.files.find((f) => f.name === name);
    if (!file) throw new ApiError(404, 'E_NOT_FOUND', `compiled result ${id} has no file "${name}"`, { field: 'name', hint: `Files: ${entry.files.map((f) => f.name).join(', ')}.` });
    reply.header('Content-Disposition', `attachment; filename="${file.name}"`).type(mediaTypeOf(file)).send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
  });

  app.post('/v1/compiled/:id/classify', async (request) => {
    const { id } = request.params as { id: string };
    const entry = cachedOr404(cache, id);
    if (!entry.runnable) throw new ApiError(409, 'E_NO_RUNTIME', `compiled result ${id} has no format this server can run`, { hint: 'Compile with onnx (or tflite) among the formats.' });
    uploading++;
    let upload: Upload;
    try {
      upload = await readUpload(request, { limits, fields: new Set(), purposeOf: queryPurpose, maxFiles: 1 });
    } finally {
      uploading--;
    }
    const image = upload.files[0];
    if (!image) throw new ApiError(400, 'E_NO_IMAGES', 'no query image: send it as the file field "image"', { field: 'image' });
    const { height, width, channels } = entry.input;
    let pixels: Float32Array;
    try {
      pixels = Float32Array.from(await decodeImageBytes(image.bytes, image.fileName || 'image', { height, width, channels: channels as 1 | 3, maxInputPixels: limits.maxPixels }));
    } catch (err) {
      throw withSource(err, { field: image.field, file: image.fileName }, limits);
    }
    const { outputs, runtime } = await runModelBytes(entry.runnable.format, entry.runnable.bytes, pixels, 1);
    const probabilities = Array.from(outputs.probabilities, (p) => round(p, 6));
    let top = 0;
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[top]!) top = c;
    return { id, labels: entry.labels, probabilities, top: { label: entry.labels[top]!, probability: probabilities[top]! }, format: entry.runnable.format, runtime };
  });

  return app as unknown as HypertxServer;
}

/** Creates the server and listens on `options.host`/`options.port`; resolves once it answers. */
export async function startServer(options: ServerOptions = {}): Promise<{ server: HypertxServer; url: string }> {
  const server = createServer(options);
  try {
    await server.listen({ host: server.hypertx.options.host, port: server.hypertx.options.port });
  } catch (err) {
    await server.close();
    throw err;
  }
  return { server, url: serverUrl(server) };
}

/** `http://host:port` of a listening server (IPv6 hosts in brackets). */
export function serverUrl(server: FastifyInstance): string {
  const address = server.server.address() as AddressInfo;
  const host = address.family === 'IPv6' || address.family === (6 as unknown as string) ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

interface CompileSettings {
  model: string;
  formats: string[];
  ink: 'auto' | 'bright' | 'dark';
  levels: 'auto' | 'none';
  selfLabel: boolean;
  name: string;
}

function compilePurpose(field: string): FilePurpose {
  if (field === 'unlabeled') return { kind: 'unlabeled' };
  const label = labelOf(field);
  if (label === undefined) {
    throw new ApiError(400, 'E_UNKNOWN_FIELD', `file field "${field}" is neither class:<label> nor unlabeled`, {
      field,
      hint: 'Name each image field class:<label> (e.g. -F "class:cat=@cat1.png"); images without a label go in "unlabeled".',
    });
  }
  if (label.trim() === '' || label.length > MAX_LABEL_LENGTH || /[\u0000-\u001f\u007f]/.test(label)) {
    throw new ApiError(400, 'E_BAD_LABEL', `class label in field "${field}" must be 1–${MAX_LABEL_LENGTH} characters without control characters`, { field });
  }
  return { kind: 'labelled', label };
}

function queryPurpose(field: string): FilePurpose {
  if (field !== 'image') throw new ApiError(400, 'E_UNKNOWN_FIELD', `file field "${field}": send the query image as "image"`, { field });
  return { kind: 'query' };
}

/** Compile options from form fields and query parameters (either, not both). */
function compileSettings(upload: Upload, query: Record<string, string | string[] | undefined>, models: ModelRegistry, negotiated: ReturnType<typeof negotiate>): CompileSettings {
  const values = (name: string): string[] => {
    const fromForm = upload.fields.get(name) ?? [];
    const raw = query[name];
    const fromQuery = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    if (fromForm.length && fromQuery.length) throw new ApiError(400, 'E_DUPLICATE_FIELD', `"${name}" is given both as a form field and as a query parameter`, { field: name });
    return fromForm.length ? fromForm : fromQuery;
  };
  const single = (name: string): string | undefined => {
    const list = values(name);
    if (list.length > 1) throw new ApiError(400, 'E_DUPLICATE_FIELD', `"${name}" is given ${list.length} times`, { field: name });
    return list[0];
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = single(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) throw new ApiError(400, 'E_BAD_FIELD', `"${name}" must be ${allowed.map((a) => `"${a}"`).join(' or ')}, got "${value}"`, { field: name });
    return value as T;
  };

  const model = single('model') ?? models.defaultName;
  models.check(model);
  const formatField = values('format').length ? 'format' : 'formats';
  const listed = [...values('formats'), ...values('format')];
  let formats: string[];
  try {
    formats = parseFormats(listed.length ? listed.join(',') : undefined, formatField) ?? [];
  } catch (err) {
    throw isHypertxError(err) ? new ApiError(400, err.code, err.message, { field: formatField, hint: err.hint }) : err;
  }
  if (negotiated.kind === 'raw') {
    if (negotiated.format !== undefined) {
      if (formats.length && (formats.length > 1 || formats[0] !== negotiated.format)) {
        throw new ApiError(406, 'E_NOT_ACCEPTABLE', `Accept: ${negotiated.mediaType} is the ${negotiated.format} file, but formats names ${formats.join(', ')}`, { field: formatField });
      }
      formats = [negotiated.format];
    } else if (formats.length !== 1) {
      throw new ApiError(406, 'E_NOT_ACCEPTABLE', `Accept: ${OCTET_STREAM} answers with one file: name its format (format=tflite)`, {
        field: listed.length ? formatField : 'format',
        hint: `Add ?format=<one of ${formatIds().join(', ')}>, or ask for JSON to get several formats.`,
      });
    }
  }
  if (formats.length === 0) formats = ['onnx', 'tflite'];
  const selfLabel = oneOf('selfLabel', ['true', 'false'] as const, 'true') === 'true';
  const name = single('name') ?? 'model';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new ApiError(400, 'E_BAD_FIELD', `"name" must be 1–64 letters, digits, ".", "_" or "-", got "${name}"`, { field: 'name' });
  return {
    model,
    formats,
    ink: oneOf('ink', ['auto', 'bright', 'dark'] as const, 'auto'),
    levels: oneOf('levels', ['auto', 'none'] as const, 'auto'),
    selfLabel,
    name,
  };
}

interface Source {
  field: string;
  file: string;
}

/** The upload as the pipeline's in-memory input; each image named `<label>/<file>` for errors. */
function supportInput(upload: Upload): {
  images: { label: string; bytes: Buffer; name: string }[];
  unlabeled: { bytes: Buffer; name: string }[];
  sources: Map<string, Source>;
} {
  const sources = new Map<string, Source>();
  const unique = (name: string): string => {
    let candidate = name;
    for (let n = 2; sources.has(candidate); n++) candidate = `${name} (${n})`;
    return candidate;
  };
  const images: { label: string; bytes: Buffer; name: string }[] = [];
  const unlabeled: { bytes: Buffer; name: string }[] = [];
  for (const file of upload.files) {
    const base = file.fileName || 'image';
    if (file.purpose.kind === 'labelled') {
      const name = unique(`${file.purpose.label}/${base}`);
      sources.set(name, { field: file.field, file: file.fileName });
      images.push({ label: file.purpose.label, bytes: file.bytes, name });
    } else if (file.purpose.kind === 'unlabeled') {
      const name = unique(`unlabeled/${base}`);
      sources.set(name, { field: file.field, file: file.fileName });
      unlabeled.push({ bytes: file.bytes, name });
    }
  }
  if (images.length === 0) {
    throw new ApiError(400, 'E_NO_IMAGES', 'no labelled images: send each class\'s images as file fields named class:<label>', {
      field: 'class:<label>',
      hint: 'curl -F "class:cat=@cat1.png" -F "class:dog=@dog1.png" …',
    });
  }
  return { images, unlabeled, sources };
}

/** A pipeline error about one image gets the field and file it came from. */
function namingUpload(err: unknown, sources: Map<string, Source>, limits: ServerLimits): unknown {
  if (!isHypertxError(err)) return err;
  const source = err.path !== undefined ? sources.get(err.path) : undefined;
  if (err.code === 'E_SUPPORT_TOO_FEW_CLASSES' || err.code === 'E_SUPPORT_WAYS') {
    return new ApiError(422, err.code, err.message, { field: 'class:<label>', hint: err.hint });
  }
  return source ? withSource(err, source, limits) : err;
}

function withSource(err: unknown, source: Source, limits: ServerLimits): unknown {
  if (!isHypertxError(err)) return err;
  if (err.code === 'E_IMAGE_TOO_LARGE') {
    return new ApiError(413, err.code, `image "${source.file}" in field "${source.field}" has more than ${limits.maxPixels} pixels`, {
      field: source.field,
      file: source.file,
      hint: `This server decodes images of at most ${limits.maxPixels} pixels (width × height): downscale it first.`,
    });
  }
  const status = err.kind === 'usage' ? 400 : err.kind === 'input' ? 422 : 500;
  return new ApiError(status, err.code, err.message, { field: source.field, file: source.file, hint: err.hint });
}

function cacheEntry(result: CompileResult, baseName: string): Omit<CachedResult, 'id' | 'expiresAt' | 'size'> {
  const files: CachedFile[] = result.formats.flatMap((f) =>
    f.files.map((file) => ({ name: baseName + (formatPlugin(f.format).stemSuffix ?? '') + file.extension, format: f.format, role: file.role, bytes: file.bytes })),
  );
  // Classification runs ONNX when there is one (onnxruntime-node), else another format with a runtime.
  const order = ['onnx', 'tflite', 'tflite-int8', 'hxcnn'];
  const runnableFormat = order.find((id) => result.formats.some((f) => f.format === id));
  const runnableFile = runnableFormat ? result.formats.find((f) => f.format === runnableFormat)!.files.find((f) => f.role === 'model') : undefined;
  const { height, width, channels } = result.cnn.input;
  return {
    labels: result.labels,
    input: { height, width, channels },
    files,
    runnable: runnableFormat && runnableFile ? { format: runnableFormat, bytes: runnableFile.bytes } : undefined,
  };
}

function compileResponse(entry: CachedResult, result: CompileResult, model: string, timings: { queue: number; compile: number }, ttlMs: number) {
  return {
    id: entry.id,
    model,
    labels: result.labels,
    ink: result.ink,
    images: result.images,
    supportSetHash: result.supportSetHash,
    input: entry.input,
    verified: result.formats.every((f) => f.verification?.agreement.ok === true),
    formats: result.formats.map((f) => ({
      format: f.format,
      name: formatDisplayName(f.format),
      bytes: f.bytes,
      ...(f.verification
        ? {
            verification: {
              ok: f.verification.agreement.ok,
              runtime: f.verification.runtime,
              summary: f.verification.agreement.summary,
              maxAbsDiff: f.verification.agreement.maxAbsDiff,
              argmaxAgreement: f.verification.agreement.argmaxAgreement,
              ...(f.verification.versusFloat ? { versusFloat: f.verification.versusFloat } : {}),
            },
          }
        : {}),
      files: entry.files
        .filter((file) => file.format === f.format)
        .map((file) => ({
          name: file.name,
          role: file.role,
          bytes: file.bytes.byteLength,
          mediaType: mediaTypeOf(file),
          url: `/v1/compiled/${entry.id}/files/${encodeURIComponent(file.name)}`,
          base64: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength).toString('base64'),
        })),
    })),
    timingsMs: { ...timings, generate: round(result.timingsMs.generate), exportAndVerify: round(result.timingsMs.exportAndVerify) },
    expiresAt: new Date(Date.now() + ttlMs).toISOString(),
  };
}

function sendRaw(reply: FastifyReply, entry: CachedResult, result: CompileResult, mediaType: string): FastifyReply {
  const compiled = result.formats[0]!;
  const files = entry.files.filter((f) => f.format === compiled.format);
  if (files.length !== 1) {
    throw new ApiError(406, 'E_NOT_ACCEPTABLE', `${compiled.format} is ${files.length} files (${files.map((f) => f.name).join(', ')}): ask for JSON to get them`, { field: 'format' });
  }
  const file = files[0]!;
  return reply
    .header('Content-Disposition', `attachment; filename="${file.name}"`)
    .header('X-Hypertx-Id', entry.id)
    .header('X-Hypertx-Format', compiled.format)
    .header('X-Hypertx-Labels', result.labels.map(encodeURIComponent).join(','))
    .header('X-Hypertx-Verified', String(compiled.verification?.agreement.ok === true))
    .header('X-Hypertx-Runtime', encodeURIComponent(compiled.verification?.runtime ?? ''))
    .header('X-Hypertx-Support-Set-Hash', result.supportSetHash)
    .type(mediaType)
    .send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
}

function mediaTypeOf(file: CachedFile): string {
  return file.role === 'source' || file.role === 'header' ? 'text/plain; charset=utf-8' : OCTET_STREAM;
}

function cachedOr404(cache: ResultCache, id: string): CachedResult {
  const entry = cache.get(id);
  if (!entry) throw new ApiError(404, 'E_NOT_FOUND', `no compiled result "${id}" (results are kept for a while, then dropped)`, { field: 'id', hint: 'Compile again.' });
  return entry;
}

/** Aborts when the client disconnects before its response was sent, so a waiting or running compile stops. */
function clientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.once('close', onClose);
  request.raw.once('error', onClose);
  return controller.signal;
}

function isLoopbackSocket(request: FastifyRequest): boolean {
  const local = request.socket.localAddress ?? '';
  return local.startsWith('127.') || local === '::1' || local.startsWith('::ffff:127.');
}

function publicLimits(limits: ServerLimits) {
  const { maxRequestBytes, maxFileBytes, maxClasses, maxImagesPerClass, maxUnlabeled, maxPixels, maxConcurrent, maxQueue } = limits;
  return { maxRequestBytes, maxFileBytes, maxClasses, maxImagesPerClass, maxUnlabeled, maxPixels, maxConcurrent, maxQueue };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
