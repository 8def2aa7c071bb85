/**
 * Re-writes a .hxmodel/.hxckpt from before checksums (checkpoint format v1) in the current format:
 * the same header facts and the very same tensor bytes, now sealed with a SHA-256 (core's
 * upgradeCheckpoint proves both before anything is written). A current file is left as it is.
 */
import { readFile } from 'node:fs/promises';
import { HypertxError, writeFileAtomic } from '@hypertx/export';

export interface UpgradeResult {
  /** The file read. */
  path: string;
  /** The file written (the input itself unless `output` was given). */
  output: string;
  /** false: the file already had a checksum, so nothing was written (unless `output` names another file). */
  upgraded: boolean;
  bytes: number;
}

export async function upgradeModelFile(path: string, options: { output?: string } = {}): Promise<UpgradeResult> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HypertxError('E_NOT_FOUND', `${path} ${code === 'ENOENT' ? 'does not exist' : `can't be read (${code ?? String(err)})`}`, { kind: 'input', path, cause: err });
  }
  const { upgradeCheckpoint } = await import('@hypertx/core');
  const result = upgradeCheckpoint(bytes, path);
  const output = options.output ?? path;
  if (result.upgraded || output !== path) await writeFileAtomic(output, result.bytes);
  return { path, output, upgraded: result.upgraded, bytes: result.bytes.byteLength };
}
