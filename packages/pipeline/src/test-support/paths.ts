/** Paths the pipeline's tests share: the repository's committed fixtures. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const supportFixture = (name: string): string => join(repoRoot, 'fixtures/support', name);
export const queryFixture = (name: string): string => join(repoRoot, 'fixtures/query', name);
