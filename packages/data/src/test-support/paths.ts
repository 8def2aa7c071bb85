/** Paths shared by the tests (not published: dist/test-support is excluded from the package). */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isHypertxError } from '@hypertx/export';

/** dist/test-support → the repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const fixturesDir = resolve(repoRoot, 'fixtures');
export const supportFixture = (name: string): string => resolve(fixturesDir, 'support', name);
export const queryFixture = (name: string): string => resolve(fixturesDir, 'query', name);

/** HYPERTX_OMNIGLOT_DIR, else ../shared/datasets/omniglot-background relative to the repo root. */
export const omniglotDir = resolve(repoRoot, process.env['HYPERTX_OMNIGLOT_DIR'] ?? '../shared/datasets/omniglot-background');
export const omniglotAvailable = existsSync(resolve(omniglotDir, 'index.json')) && existsSync(resolve(omniglotDir, 'images_28x28_u8.bin'));
export const omniglotSkip: string | false = omniglotAvailable
  ? false
  : `Omniglot not found at ${omniglotDir} (set HYPERTX_OMNIGLOT_DIR to the folder with index.json and images_28x28_u8.bin)`;

/** assert.rejects/throws matcher: a HypertxError with this code, whose message contains `mentions`. */
export function hxError(code: string, ...mentions: string[]): (err: unknown) => boolean {
  return (err: unknown) => {
    if (!isHypertxError(err)) throw new Error(`expected a HypertxError ${code}, got ${String(err)}`);
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
    for (const m of mentions) if (!err.message.includes(m)) throw new Error(`message of ${code} should mention ${JSON.stringify(m)}: ${err.message}`);
    return true;
  };
}

/** Pearson correlation of two equally long arrays. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}
