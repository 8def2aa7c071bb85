/**
 * Every failure becomes one JSON body, `{ error: { code, message, hint?, field?, file? } }`, with a
 * status chosen here (docs/serve.md, "Errors"). Clients never see a stack trace: errors we did not
 * anticipate are answered with a generic message and left to the server's log.
 */
import { HypertxError, isHypertxError, type ErrorKind } from '@hypertx/export';

export interface ErrorBody {
  error: {
    /** Stable and machine-readable: `E_TOO_MANY_CLASSES`, `E_IMAGE_DECODE`, ... */
    code: string;
    message: string;
    hint?: string;
    /** The multipart field (or query parameter) at fault. */
    field?: string;
    /** The uploaded file at fault, as the client named it. */
    file?: string;
  };
}

export interface ApiErrorOptions {
  hint?: string | undefined;
  field?: string | undefined;
  file?: string | undefined;
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** A HypertxError that also carries its HTTP status and the field or file it is about. */
export class ApiError extends HypertxError {
  readonly status: number;
  readonly field: string | undefined;
  readonly file: string | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, options: ApiErrorOptions = {}) {
    const kind: ErrorKind = status >= 500 ? 'internal' : status === 422 || status === 413 ? 'input' : 'usage';
    super(code, message, { kind, ...(options.hint !== undefined ? { hint: options.hint } : {}), ...(options.cause !== undefined ? { cause: options.cause } : {}) });
    this.status = status;
    this.field = options.field;
    this.file = options.file;
    this.headers = options.headers ?? {};
  }
}

export interface HttpError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** A 5xx the server did not plan for: worth logging with its stack. */
  unexpected: boolean;
}

/** Status by error kind for pipeline errors (docs/serve.md has the table). */
const STATUS_BY_KIND: Record<ErrorKind, number> = {
  usage: 400,
  input: 422,
  verification: 500,
  internal: 500,
  interrupted: 503,
};

/** Fastify's and the multipart plugin's own 4xx errors, under our codes. */
const FRAMEWORK_CODES: Record<string, { status: number; code: string; hint?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE', hint: 'Send multipart/form-data (curl -F).' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'E_REQUEST_TOO_LARGE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'E_BAD_REQUEST' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'E_BAD_REQUEST' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'E_BAD_REQUEST' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE', hint: 'Send multipart/form-data (curl -F).' },
  FST_PARTS_LIMIT: { status: 413, code: 'E_TOO_MANY_PARTS' },
  FST_FILES_LIMIT: { status: 413, code: 'E_TOO_MANY_FILES' },
  FST_FIELDS_LIMIT: { status: 413, code: 'E_TOO_MANY_FIELDS' },
  FST_PROTO_VIOLATION: { status: 400, code: 'E_BAD_FIELD' },
  FST_INVALID_JSON_FIELD_ERROR: { status: 400, code: 'E_BAD_FIELD' },
  FST_MP_PREMATURE_CLOSE: { status: 400, code: 'E_UPLOAD_INCOMPLETE' },
};

/** The response for any thrown value. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof ApiError) {
    return { status: err.status, body: body(err.code, err.message, err.hint, err.field, err.file), headers: err.headers, unexpected: err.status >= 500 && err.kind === 'internal' && err.code === 'E_INTERNAL' };
  }
  if (isHypertxError(err)) {
    const status = err.code === 'E_IMAGE_TOO_LARGE' ? 413 : STATUS_BY_KIND[err.kind] ?? 500;
    const hint = err.kind === 'verification' ? 'An exported file disagreed with the generated network: a bug in hypertx, not in your images. Please report it.' : err.hint;
    return { status, body: body(err.code, err.message, hint), headers: {}, unexpected: err.kind === 'internal' };
  }
  const framework = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  const mapped = typeof framework.code === 'string' ? FRAMEWORK_CODES[framework.code] : undefined;
  if (mapped) {
    const message = mapped.code === 'E_UNSUPPORTED_MEDIA_TYPE' ? 'unsupported Content-Type: this route takes multipart/form-data' : String(framework.message);
    return { status: mapped.status, body: body(mapped.code, message, mapped.hint), headers: {}, unexpected: false };
  }
  const status = typeof framework.statusCode === 'number' ? framework.statusCode : 500;
  if (status >= 400 && status < 500) return { status, body: body('E_BAD_REQUEST', String(framework.message ?? 'bad request')), headers: {}, unexpected: false };
  return {
    status: 500,
    body: body('E_INTERNAL', 'internal server error', 'The server logged the details; if it keeps happening, report it.'),
    headers: {},
    unexpected: true,
  };
}

function body(code: string, message: string, hint?: string, field?: string, file?: string): ErrorBody {
  return {
    error: {
      code,
      message,
      ...(hint ? { hint } : {}),
      ...(field !== undefined ? { field } : {}),
      ...(file !== undefined ? { file } : {}),
    },
  };
}
