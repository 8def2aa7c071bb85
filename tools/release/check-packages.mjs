#!/usr/bin/env node
/**
 * Checks what each package would publish: tarball contents, entry points, bin, and declared
 * dependencies against the imports of the shipped code. Needs a build first (`npm run build`).
 *
 *   node tools/release/check-packages.mjs [--json]
 *
 * Exit code 0 when every package is clean, 1 otherwise (each problem names the package and file).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { binProblems, bundledModelProblems, packContentProblems, packFileLists, staleOutputProblems } from './pack-contents.mjs';
import { dependencyProblems, internalVersionProblems, shippedImports } from './dependency-check.mjs';
import { workspacePackages } from './workspace-packages.mjs';

/** Dependencies no shipped file imports by name, kept on purpose. */
export const DECLARED_ON_PURPOSE = {
  '@hypertx/core': {
    '@tensorflow/tfjs-backend-cpu':
      'the `cpu` backend is registered through the @tensorflow/tfjs union; pinned so the union and core share one 4.22.0 copy',
  },
};

/**
 * @returns {Promise<{ packages: { name: string, version: string, files: string[], size: number, unpackedSize: number, problems: string[] }[], problems: string[] }>}
 */
export async function checkPackages() {
  const packages = workspacePackages();
  const lists = await packFileLists();
  const report = [];
  for (const pkg of packages) {
    const list = lists.get(pkg.name);
    if (!list) {
      report.push({ name: pkg.name, version: pkg.version, files: [], size: 0, unpackedSize: 0, problems: [`${pkg.name}: npm pack listed nothing`] });
      continue;
    }
    const problems = [
      ...packContentProblems(pkg.manifest, list.files),
      ...binProblems(pkg.manifest, (rel) => readFileSync(path.join(pkg.dir, rel), 'utf8')),
      ...staleOutputProblems(pkg.manifest, list.files, (rel) => existsSync(path.join(pkg.dir, rel))),
      ...bundledModelProblems(pkg.manifest, list.files),
      ...dependencyProblems(pkg.manifest, shippedImports(pkg.dir, list.files), DECLARED_ON_PURPOSE[pkg.name]),
    ];
    if (!list.files.some((f) => f.startsWith('dist/'))) problems.push(`${pkg.name}: no dist/ files in the tarball (run \`npm run build\` first)`);
    report.push({ name: pkg.name, version: pkg.version, files: list.files, size: list.size, unpackedSize: list.unpackedSize, problems });
  }
  const problems = [...report.flatMap((r) => r.problems), ...internalVersionProblems(packages)];
  return { packages: report, problems };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const result = await checkPackages();
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    const kb = (n) => (n / 1024).toFixed(1) + ' kB';
    for (const p of result.packages) {
      process.stdout.write(`${p.name}@${p.version}: ${p.files.length} files, ${kb(p.size)} packed, ${kb(p.unpackedSize)} unpacked\n`);
      for (const problem of p.problems) process.stdout.write(`  ✗ ${problem}\n`);
    }
    const shared = result.problems.filter((problem) => !result.packages.some((p) => p.problems.includes(problem)));
    for (const problem of shared) process.stdout.write(`✗ ${problem}\n`);
    process.stdout.write(result.problems.length === 0 ? 'all packages clean\n' : `${result.problems.length} problem(s)\n`);
  }
  process.exitCode = result.problems.length === 0 ? 0 : 1;
}
