/** Core's error helpers: every failure is a HypertxError (from @hypertx/export) with a stable code. */
import { HypertxError, usageError, type HypertxErrorOptions } from '@hypertx/export';

export { HypertxError, usageError };

export function inputError(code: string, message: string, options: Omit<HypertxErrorOptions, 'kind'> = {}): HypertxError {
  return new HypertxError(code, message, { ...options, kind: 'input' });
}

export function internalError(code: string, message: string, options: Omit<HypertxErrorOptions, 'kind'> = {}): HypertxError {
  return new HypertxError(code, message, { ...options, kind: 'internal' });
}
