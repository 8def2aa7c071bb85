/** Fixture images and multipart bodies for the server's tests. Not published (dist/test-support is excluded). */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test-support → the repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const supportDir = (name: string): string => join(repoRoot, 'fixtures/support', name);
export const queryDir = (name: string): string => join(repoRoot, 'fixtures/query', name);

export interface FixtureImage {
  label: string;
  file: string;
  bytes: Buffer;
}

/** Every image of a support fixture (`<class>/<file>`), classes in folder order. */
export function supportImages(name = 'glyphs-5way-1shot'): FixtureImage[] {
  const dir = supportDir(name);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort()
    .flatMap((label) =>
      readdirSync(join(dir, label))
        .filter((f) => f.endsWith('.png'))
        .sort()
        .map((file) => ({ label, file, bytes: readFileSync(join(dir, label, file)) })),
    );
}

/** A FormData with each image in `class:<label>`, plus text fields. */
export function compileForm(images: FixtureImage[], fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const image of images) form.append(`class:${image.label}`, new Blob([new Uint8Array(image.bytes)], { type: 'image/png' }), image.file);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}
