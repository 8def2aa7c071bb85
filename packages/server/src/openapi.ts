/**
 * The OpenAPI 3.1 description of the API, served at /openapi.json. Written by hand, kept to plain
 * JSON Schema keywords; the server's tests check real responses against it, so it cannot drift.
 */
import { readFileSync } from 'node:fs';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const binary = { type: 'string', contentMediaType: 'application/octet-stream' };

const VERIFICATION = {
  type: 'object',
  required: ['ok', 'runtime', 'summary', 'maxAbsDiff', 'argmaxAgreement'],
  additionalProperties: false,
  properties: {
    ok: { type: 'boolean', description: 'the file ran in its runtime and agreed with the generated network' },
    runtime: { type: 'string', description: 'the runtime that ran it, with its version' },
    summary: { type: 'string' },
    maxAbsDiff: { type: 'number', minimum: 0, description: 'largest difference in any probability' },
    argmaxAgreement: { type: 'number', minimum: 0, maximum: 1, description: 'fraction of support images with the same top-1 class' },
    versusFloat: {
      type: 'object',
      description: 'int8 formats: the file against the float network (information, not a pass/fail)',
      required: ['maxAbsDiff', 'argmaxAgreement'],
      additionalProperties: false,
      properties: { maxAbsDiff: { type: 'number' }, argmaxAgreement: { type: 'number' } },
    },
  },
};

const COMPILED_FILE = {
  type: 'object',
  required: ['name', 'role', 'bytes', 'mediaType', 'url', 'base64'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'download name: model.onnx, model_int8.tflite, model_int8.cc, ...' },
    role: { type: 'string', enum: ['model', 'source', 'header', 'sidecar'] },
    bytes: { type: 'integer', minimum: 1 },
    mediaType: { type: 'string' },
    url: { type: 'string', pattern: '^/v1/compiled/[0-9a-f-]+/files/', description: 'GET it (same token) while the result is kept' },
    base64: { type: 'string', contentEncoding: 'base64' },
  },
};

const COMPILE_RESULT = {
  type: 'object',
  required: ['id', 'model', 'labels', 'ink', 'images', 'supportSetHash', 'input', 'verified', 'formats', 'timingsMs', 'expiresAt'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', description: 'the compiled result, for /v1/compiled/{id}/…' },
    model: { type: 'string' },
    labels: { type: 'array', items: { type: 'string' }, minItems: 2, description: 'class names in the order of the model outputs' },
    ink: { type: 'string', enum: ['bright', 'dark'] },
    images: {
      type: 'object',
      required: ['labelled', 'unlabeled'],
      additionalProperties: false,
      properties: { labelled: { type: 'integer', minimum: 2 }, unlabeled: { type: 'integer', minimum: 0 } },
    },
    supportSetHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    input: ref('InputShape'),
    verified: { type: 'boolean', description: 'every format verified (a file that does not fails the request with 500 instead)' },
    formats: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['format', 'name', 'bytes', 'files'],
        additionalProperties: false,
        properties: {
          format: { type: 'string' },
          name: { type: 'string' },
          bytes: { type: 'integer', minimum: 1, description: 'size of the model file' },
          verification: VERIFICATION,
          files: { type: 'array', minItems: 1, items: COMPILED_FILE },
        },
      },
    },
    timingsMs: {
      type: 'object',
      required: ['queue', 'compile', 'generate', 'exportAndVerify'],
      additionalProperties: false,
      properties: {
        queue: { type: 'number', description: 'waiting for a compile slot' },
        compile: { type: 'number' },
        generate: { type: 'number' },
        exportAndVerify: { type: 'number' },
      },
    },
    expiresAt: { type: 'string', format: 'date-time', description: 'files and classification may be gone after this' },
  },
};

const COMPILE_REQUEST = {
  type: 'object',
  description:
    'Images in file fields named class:<label> (several per class: repeat the field); images without a label in "unlabeled". ' +
    'Options in text fields or query parameters (not both).',
  patternProperties: { '^class:.+$': { type: 'array', items: { ...binary, description: 'PNG, JPEG, WebP, GIF, TIFF or AVIF' } } },
  properties: {
    unlabeled: { type: 'array', items: binary },
    model: { type: 'string', description: 'a model name from GET /v1/models (default: the server\'s first)' },
    formats: { type: 'string', description: 'comma-separated format ids (default onnx,tflite)' },
    format: { type: 'string', description: 'one format id: with Accept: application/octet-stream, the file to return' },
    ink: { type: 'string', enum: ['auto', 'bright', 'dark'] },
    levels: { type: 'string', enum: ['auto', 'none'] },
    selfLabel: { type: 'string', enum: ['true', 'false'] },
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'base name of the files (default model)' },
  },
};

const optionParameter = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'hypertx serve',
      version: VERSION,
      description:
        'Compile a few labelled images per class into a small CNN (ONNX, TFLite, int8, C array), each file verified in its runtime, in one forward pass of a HyperTransformer. ' +
        'Errors are JSON { error: { code, message, hint?, field?, file? } }.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // A token is needed only when the server was started with one.
    security: [{}, { bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          operationId: 'health',
          security: [],
          summary: 'liveness and load',
          responses: { '200': json(ref('Health'), 'the server answers'), '503': error('shutting down') },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', security: [], summary: 'this document', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1') } },
      },
      '/v1/models': {
        get: {
          operationId: 'listModels',
          summary: 'models, formats and limits of this server',
          responses: { '200': json(ref('ModelList'), 'what the server offers'), '401': error('missing or wrong token') },
        },
      },
      '/v1/compile': {
        post: {
          operationId: 'compile',
          summary: 'compile a support set into verified model files',
          parameters: [
            optionParameter('model', 'model name'),
            optionParameter('formats', 'comma-separated format ids'),
            optionParameter('format', 'one format id (raw-bytes answers)'),
            optionParameter('ink', 'auto, bright or dark', { type: 'string', enum: ['auto', 'bright', 'dark'] }),
            optionParameter('levels', 'auto or none', { type: 'string', enum: ['auto', 'none'] }),
            optionParameter('selfLabel', 'true or false', { type: 'string', enum: ['true', 'false'] }),
            optionParameter('name', 'base name of the files'),
          ],
          requestBody: { required: true, content: { 'multipart/form-data': { schema: COMPILE_REQUEST } } },
          responses: {
            '200': {
              description:
                'JSON with every file (default), or with Accept: application/octet-stream (and one format) or application/vnd.hypertx.<format>, that file\'s bytes, ' +
                'with X-Hypertx-Id, X-Hypertx-Labels (comma-separated, percent-encoded), X-Hypertx-Verified, X-Hypertx-Runtime and X-Hypertx-Support-Set-Hash headers',
              content: {
                'application/json': { schema: ref('CompileResult') },
                'application/octet-stream': { schema: binary },
                'application/vnd.hypertx.onnx': { schema: binary },
                'application/vnd.hypertx.tflite': { schema: binary },
                'application/vnd.hypertx.tflite-int8': { schema: binary },
                'application/vnd.hypertx.hxcnn': { schema: binary },
              },
            },
            '400': error('a bad field, option, label or model name (field names it)'),
            '401': error('missing or wrong token'),
            '406': error('raw bytes asked for several formats, or a format of several files'),
            '413': error('over a limit: request or file bytes, classes, images per class, pixels per image'),
            '415': error('not multipart/form-data'),
            '422': error('an image that cannot be decoded, or a support set the model does not accept'),
            '500': error('a file failed verification (E_VERIFY_MISMATCH), or an internal error'),
            '503': error('busy (Retry-After says when to retry) or shutting down'),
          },
        },
      },
      '/v1/compiled/{id}/files/{name}': {
        get: {
          operationId: 'downloadFile',
          summary: 'one file of a compiled result',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'the file', content: { 'application/octet-stream': { schema: binary }, 'text/plain': { schema: { type: 'string' } } } },
            '401': error('missing or wrong token'),
            '404': error('no such result (expired or evicted) or file'),
          },
        },
      },
      '/v1/compiled/{id}/classify': {
        post: {
          operationId: 'classify',
          summary: 'run a compiled model (its ONNX file, in onnxruntime-node) on one query image',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: { 'multipart/form-data': { schema: { type: 'object', required: ['image'], properties: { image: binary } } } },
          },
          responses: {
            '200': json(ref('Classification'), 'class probabilities'),
            '400': error('no image, or another field'),
            '401': error('missing or wrong token'),
            '404': error('no such result (expired or evicted)'),
            '409': error('the result has no format the server can run'),
            '413': error('over a limit'),
            '415': error('not multipart/form-data'),
            '422': error('the image cannot be decoded'),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'hypertx serve --token (or HYPERTX_TOKEN)' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          additionalProperties: false,
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              additionalProperties: false,
              properties: {
                code: { type: 'string', pattern: '^E_[A-Z0-9_]+$' },
                message: { type: 'string' },
                hint: { type: 'string' },
                field: { type: 'string', description: 'the form field or query parameter at fault' },
                file: { type: 'string', description: 'the uploaded file at fault' },
              },
            },
          },
        },
        InputShape: {
          type: 'object',
          required: ['height', 'width', 'channels'],
          additionalProperties: false,
          properties: { height: { type: 'integer', minimum: 1 }, width: { type: 'integer', minimum: 1 }, channels: { type: 'integer', enum: [1, 3] } },
        },
        Health: {
          type: 'object',
          required: ['status', 'models', 'compiles', 'cache', 'uptimeSeconds'],
          additionalProperties: false,
          properties: {
            status: { const: 'ok' },
            models: { type: 'array', items: { type: 'string' }, description: 'models loaded' },
            compiles: {
              type: 'object',
              required: ['admitted', 'active', 'waiting', 'refused', 'completed', 'meanCompileMs'],
              additionalProperties: false,
              properties: {
                admitted: { type: 'integer', minimum: 0 },
                active: { type: 'integer', minimum: 0 },
                waiting: { type: 'integer', minimum: 0 },
                refused: { type: 'integer', minimum: 0 },
                completed: { type: 'integer', minimum: 0 },
                meanCompileMs: { type: 'number', minimum: 0 },
              },
            },
            cache: {
              type: 'object',
              required: ['entries', 'bytes'],
              additionalProperties: false,
              properties: { entries: { type: 'integer', minimum: 0 }, bytes: { type: 'integer', minimum: 0 } },
            },
            uptimeSeconds: { type: 'integer', minimum: 0 },
          },
        },
        ModelList: {
          type: 'object',
          required: ['default', 'models', 'formats', 'limits'],
          additionalProperties: false,
          properties: {
            default: { type: 'string' },
            models: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['name', 'source', 'loaded', 'kind', 'image', 'accepts', 'parameters', 'metadata'],
                additionalProperties: false,
                properties: {
                  name: { type: 'string' },
                  source: { type: 'string', enum: ['bundled', 'file'] },
                  loaded: { type: 'boolean' },
                  kind: { type: 'string', enum: ['hypertransformer', 'protonet'] },
                  image: ref('InputShape'),
                  accepts: { type: 'string', description: 'the support sets it accepts, in words' },
                  parameters: { type: 'integer', minimum: 1 },
                  metadata: { type: 'object', additionalProperties: { type: 'string' } },
                },
              },
            },
            formats: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'name', 'extension'],
                additionalProperties: false,
                properties: { id: { type: 'string' }, name: { type: 'string' }, extension: { type: 'string' } },
              },
            },
            limits: {
              type: 'object',
              required: ['maxRequestBytes', 'maxFileBytes', 'maxClasses', 'maxImagesPerClass', 'maxUnlabeled', 'maxPixels', 'maxConcurrent', 'maxQueue'],
              additionalProperties: false,
              properties: Object.fromEntries(
                ['maxRequestBytes', 'maxFileBytes', 'maxClasses', 'maxImagesPerClass', 'maxUnlabeled', 'maxPixels', 'maxConcurrent', 'maxQueue'].map((k) => [k, { type: 'integer', minimum: 0 }]),
              ),
            },
          },
        },
        CompileResult: COMPILE_RESULT,
        Classification: {
          type: 'object',
          required: ['id', 'labels', 'probabilities', 'top', 'format', 'runtime'],
          additionalProperties: false,
          properties: {
            id: { type: 'string' },
            labels: { type: 'array', items: { type: 'string' } },
            probabilities: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, description: 'in the order of labels' },
            top: {
              type: 'object',
              required: ['label', 'probability'],
              additionalProperties: false,
              properties: { label: { type: 'string' }, probability: { type: 'number' } },
            },
            format: { type: 'string', description: 'the format that ran (onnx when it was compiled)' },
            runtime: { type: 'string' },
          },
        },
      },
    },
  };
}
