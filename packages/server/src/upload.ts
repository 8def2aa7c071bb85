/**
 * Reading a multipart upload into memory, within the limits, as it streams in. Every limit is
 * checked while the bytes arrive, so an oversized request is refused after at most one part over,
 * never after it was all read; nothing is written to disk. A client that disconnects ends the
 * iteration with an error and its buffers are simply dropped.
 */
import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { ApiError } from './errors.js';
import type { ServerLimits } from './options.js';

/** What a file part is for: decided from its field name before its bytes are read. */
export type FilePurpose = { kind: 'labelled'; label: string } | { kind: 'unlabeled' } | { kind: 'query' };

export interface UploadedFile {
  purpose: FilePurpose;
  /** The field name as sent. */
  field: string;
  /** The file name the client gave (may be empty). */
  fileName: string;
  bytes: Buffer;
}

export interface Upload {
  files: UploadedFile[];
  /** Text fields by name; a repeated field keeps every value. */
  fields: Map<string, string[]>;
  bytes: number;
}

export interface UploadRules {
  limits: ServerLimits;
  /** Text fields this route takes. */
  fields: ReadonlySet<string>;
  /** Purpose of a file field, or an ApiError (unknown field). */
  purposeOf: (field: string) => FilePurpose;
  /** Most files of any purpose (busboy's own backstop). */
  maxFiles: number;
}

/** Text fields are short options: a few hundred bytes. */
const MAX_FIELD_BYTES = 1024;
const MAX_FIELDS = 32;

export async function readUpload(request: FastifyRequest, rules: UploadRules): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new ApiError(415, 'E_UNSUPPORTED_MEDIA_TYPE', `expected a multipart/form-data body, got ${request.headers['content-type'] ?? 'none'}`, {
      hint: 'Send the images as multipart form fields (curl -F "class:cat=@cat.png").',
    });
  }
  const { limits } = rules;
  const files: UploadedFile[] = [];
  const fields = new Map<string, string[]>();
  const perClass = new Map<string, number>();
  let unlabeled = 0;
  let total = 0;
  const parts = request.parts({
    limits: {
      fieldNameSize: 512,
      fieldSize: MAX_FIELD_BYTES,
      fields: MAX_FIELDS,
      // One byte over our own limit: we count and refuse first, naming the file.
      fileSize: limits.maxFileBytes + 1,
      files: rules.maxFiles + 1,
      parts: rules.maxFiles + MAX_FIELDS + 2,
      headerPairs: 64,
    },
  });
  for await (const part of parts as AsyncIterable<Multipart>) {
    const field = part.fieldname;
    if (part.type === 'field') {
      if (!rules.fields.has(field)) {
        throw new ApiError(400, 'E_UNKNOWN_FIELD', `unknown form field "${field}"`, { field, hint: `Fields: ${[...rules.fields].join(', ')}; images go in file fields.` });
      }
      if (part.valueTruncated) throw new ApiError(413, 'E_FIELD_TOO_LARGE', `form field "${field}" is longer than ${MAX_FIELD_BYTES} bytes`, { field });
      const value = String(part.value);
      total += Buffer.byteLength(value) + Buffer.byteLength(field);
      fields.set(field, [...(fields.get(field) ?? []), value]);
      continue;
    }
    const fileName = part.filename ?? '';
    const purpose = rules.purposeOf(field);
    if (purpose.kind === 'labelled') {
      const count = perClass.get(purpose.label) ?? 0;
      if (count === 0 && perClass.size >= limits.maxClasses) {
        throw new ApiError(413, 'E_TOO_MANY_CLASSES', `more than ${limits.maxClasses} classes in one request (at "${purpose.label}")`, { field, file: fileName, hint: 'Send fewer classes.' });
      }
      if (count >= limits.maxImagesPerClass) {
        throw new ApiError(413, 'E_TOO_MANY_IMAGES', `class "${purpose.label}" has more than ${limits.maxImagesPerClass} images`, { field, file: fileName, hint: `At most ${limits.maxImagesPerClass} labelled images per class.` });
      }
      perClass.set(purpose.label, count + 1);
    } else if (purpose.kind === 'unlabeled') {
      if (++unlabeled > limits.maxUnlabeled) {
        throw new ApiError(413, 'E_TOO_MANY_IMAGES', `more than ${limits.maxUnlabeled} unlabelled images`, { field, file: fileName });
      }
    } else if (files.some((f) => f.purpose.kind === 'query')) {
      throw new ApiError(400, 'E_TOO_MANY_IMAGES', 'send one query image', { field, file: fileName });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      size += chunk.length;
      total += chunk.length;
      if (size > limits.maxFileBytes) {
        throw new ApiError(413, 'E_FILE_TOO_LARGE', `file "${fileName}" in field "${field}" is larger than ${limits.maxFileBytes} bytes`, {
          field,
          file: fileName,
          hint: `Images up to ${limits.maxFileBytes} bytes; downscale or compress it.`,
        });
      }
      if (total > limits.maxRequestBytes) throw requestTooLarge(limits.maxRequestBytes, field, fileName);
      chunks.push(chunk);
    }
    files.push({ purpose, field, fileName, bytes: Buffer.concat(chunks, size) });
  }
  return { files, fields, bytes: total };
}

export function requestTooLarge(max: number, field?: string, file?: string): ApiError {
  return new ApiError(413, 'E_REQUEST_TOO_LARGE', `the request is larger than ${max} bytes`, {
    ...(field !== undefined ? { field } : {}),
    ...(file !== undefined ? { file } : {}),
    hint: 'Send fewer or smaller images.',
  });
}

/**
 * The label in a `class:<label>` field name. Browsers and undici's FormData escape `"`, CR and LF
 * in field names as %22, %0D and %0A (the HTML multipart encoding); those three are undone here.
 */
export function labelOf(field: string): string | undefined {
  if (!field.startsWith('class:')) return undefined;
  return field.slice('class:'.length).replace(/%(22|0D|0A)/gi, (m) => String.fromCharCode(Number.parseInt(m.slice(1), 16)));
}
