/**
 * Typed errors shared by every hypertx package.
 *
 * Libraries throw a HypertxError (or a subclass); the CLI maps `kind` to an exit code
 * (usage 2, input 3, verification 4, internal 1). The message names the offending file,
 * field or value; `hint` says what to do about it.
 */
export type ErrorKind = 'usage' | 'input' | 'verification' | 'internal' | 'interrupted';

export interface HypertxErrorOptions {
  kind?: ErrorKind;
  hint?: string;
  cause?: unknown;
  /** The file or folder at fault, when there is one. */
  path?: string;
}

export class HypertxError extends Error {
  /** Stable machine-readable code, e.g. `E_IR_INVALID`. */
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly path: string | undefined;

  constructor(code: string, message: string, options: HypertxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = options.kind ?? 'input';
    this.hint = options.hint;
    this.path = options.path;
  }
}

/**
 * A `usage` error: the caller passed a bad option, name or value (the CLI exits with 2). The one
 * helper for it in every package, so a usage error looks the same wherever it is thrown.
 */
export function usageError(code: string, message: string, options: Omit<HypertxErrorOptions, 'kind'> = {}): HypertxError {
  return new HypertxError(code, message, { ...options, kind: 'usage' });
}

/** True for any hypertx error, also across duplicated package copies (checked by shape, not class). */
export function isHypertxError(err: unknown): err is HypertxError {
  return (
    err instanceof Error &&
    typeof (err as Partial<HypertxError>).code === 'string' &&
    typeof (err as Partial<HypertxError>).kind === 'string'
  );
}
