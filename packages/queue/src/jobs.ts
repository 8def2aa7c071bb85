/**
 * What travels through Redis: a job carries one support set's images (base64, so workers need no
 * shared filesystem) and the compile options; its return value carries the compiled files the same
 * way, so the submitter writes them wherever it likes.
 */
import type { CompiledFormat, PoolCompileOptions, PortableSupportSet, SetCompilation } from '@hypertx/pipeline';

export interface CompileJobData {
  /** Format version of this payload. */
  v: 1;
  name: string;
  images: { label: string; name: string; base64: string }[];
  unlabeled: { name: string; base64: string }[];
  options: PoolCompileOptions;
}

export interface CompileJobResult {
  v: 1;
  labels: string[];
  supportSetHash: string;
  formats: (Omit<CompiledFormat, 'files'> & { files: { extension: string; role: CompiledFormat['files'][number]['role']; base64: string; details?: Record<string, string | number> }[] })[];
  /** Which worker ran it (host and pid), for logs. */
  worker: string;
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

export function encodeJob(set: PortableSupportSet, options: PoolCompileOptions): CompileJobData {
  return {
    v: 1,
    name: set.name,
    images: set.images.map((i) => ({ label: i.label, name: i.name, base64: toBase64(i.bytes) })),
    unlabeled: set.unlabeled.map((i) => ({ name: i.name, base64: toBase64(i.bytes) })),
    options,
  };
}

export function decodeJob(data: CompileJobData): PortableSupportSet {
  return {
    name: data.name,
    images: data.images.map((i) => ({ label: i.label, name: i.name, bytes: fromBase64(i.base64) })),
    unlabeled: data.unlabeled.map((i) => ({ name: i.name, bytes: fromBase64(i.base64) })),
  };
}

export function encodeResult(result: SetCompilation, worker: string): CompileJobResult {
  return {
    v: 1,
    labels: result.labels,
    supportSetHash: result.supportSetHash,
    formats: result.formats.map((f) => ({ ...f, files: f.files.map((file) => ({ extension: file.extension, role: file.role, base64: toBase64(file.bytes), ...(file.details ? { details: file.details } : {}) })) })),
    worker,
  };
}

export function decodeResult(result: CompileJobResult): SetCompilation {
  return {
    labels: result.labels,
    supportSetHash: result.supportSetHash,
    formats: result.formats.map((f) => ({ ...f, files: f.files.map((file) => ({ extension: file.extension, role: file.role, bytes: fromBase64(file.base64), ...(file.details ? { details: file.details } : {}) })) })),
  };
}
