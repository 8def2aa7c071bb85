/**
 * @hypertx/server: `hypertx serve` as a library. A Fastify app over @hypertx/pipeline: POST a few
 * labelled images per class, get verified model files back; a web page at `/`.
 *
 *   const { server, url } = await startServer({ port: 8080 });
 *   // … later: await server.close();   (drains requests in flight)
 */
export { createServer, startServer, serverUrl, type HypertxServer, type ServerState } from './server.js';
export { DEFAULT_LIMITS, DEFAULT_CACHE, DEFAULT_HOST, DEFAULT_PORT, isLoopback, type ServerOptions, type ServerLimits, type CacheOptions } from './options.js';
export { openApiDocument } from './openapi.js';
export { ApiError, type ErrorBody } from './errors.js';
export type { GateStats } from './gate.js';
export type { ModelInfo } from './models.js';
