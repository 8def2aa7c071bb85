/** Support sets for batch tests: distinct class combinations of the committed 20-way glyph fixture. */
import { cp, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const GLYPHS_20 = join(repoRoot, 'fixtures/support/glyphs-20way-1shot');

/** Writes `count` (≤ 100) support sets `set-000`… into `dir`: 2–6 ways, each a distinct run of the 20 classes. */
export async function makeSupportSets(dir: string, count: number, prefix = 'set'): Promise<string[]> {
  const classes = (await readdir(GLYPHS_20)).sort();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const ways = 2 + Math.floor(i / classes.length);
    const name = `${prefix}-${String(i).padStart(3, '0')}`;
    for (let w = 0; w < ways; w++) {
      const c = classes[(i + w) % classes.length]!;
      await mkdir(join(dir, name, c), { recursive: true });
      await cp(join(GLYPHS_20, c), join(dir, name, c), { recursive: true });
    }
    names.push(name);
  }
  return names;
}
