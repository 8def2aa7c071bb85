/**
 * What `npm pack` puts in each package's tarball, and what is wrong with it.
 *
 * A tarball may hold only: package.json, README.md, LICENSE, CHANGELOG.md, compiled code and its
 * type declarations under dist/ (no tests, no test support, no build info, no source maps: the
 * sources they point to are not shipped), and, for the CLI, the bundled models. Every file named
 * by `main`, `types`, `exports` and `bin` must be in it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from './workspace-packages.mjs';
import { npmEnv } from './npm-env.mjs';

const run = promisify(execFile);

/** The package that ships the bundled HyperTransformers (compile's `-m default`, for the library and the CLI alike). */
export const MODELS_PACKAGE = '@hypertx/pipeline';

/** The package that ships the web page `hypertx serve` serves (static files, no build step). */
export const SERVER_PACKAGE = '@hypertx/server';

/** Files every tarball must carry, besides the entry points. */
const REQUIRED_FILES = ['package.json', 'README.md', 'LICENSE'];

/** Allowed paths, each with the reason it may ship. Anything else is a problem. */
const ALLOWED = [
  { test: (f) => ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f), why: 'package metadata and docs' },
  { test: (f) => /^dist\/.+\.(js|d\.ts)$/.test(f), why: 'compiled code and its types' },
  { test: (f, pkg) => pkg.name === MODELS_PACKAGE && /^models\/[^/]+\.(hxmodel|json|md)$/.test(f), why: 'bundled models' },
  { test: (f, pkg) => pkg.name === MODELS_PACKAGE && f === 'recipe.schema.json', why: 'the JSON Schema of training recipes (editors check recipe files with it)' },
  { test: (f, pkg) => pkg.name === SERVER_PACKAGE && /^public\/[^/]+\.(html|js|css|svg)$/.test(f), why: 'the web page of hypertx serve' },
  { test: (f, pkg) => Object.values(typeof pkg.bin === 'object' ? pkg.bin : {}).some((b) => String(b).replace(/^\.\//, '') === f), why: 'the executable' },
];

/** Shipped files that are allowed by extension but must still never ship. */
const FORBIDDEN = [
  { test: (f) => /\.test\.[^/]*$/.test(f), why: 'a test' },
  { test: (f) => /(^|\/)test-support\//.test(f), why: 'test support code' },
  { test: (f) => /\.tsbuildinfo$/.test(f), why: 'TypeScript build info' },
  { test: (f) => /\.map$/.test(f), why: 'a source map (its sources are not shipped)' },
];

/**
 * Runs `npm pack --dry-run --json` for every workspace in one npm call.
 * @returns {Promise<Map<string, { files: string[], size: number, unpackedSize: number, filename: string }>>} by package name
 */
export async function packFileLists(root = REPO_ROOT) {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--workspaces', '--ignore-scripts'], {
    cwd: root,
    env: npmEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  const lists = new Map();
  for (const entry of JSON.parse(stdout)) {
    lists.set(entry.name, {
      files: entry.files.map((f) => f.path).sort(),
      size: entry.size,
      unpackedSize: entry.unpackedSize,
      filename: entry.filename,
    });
  }
  return lists;
}

/** Every path a manifest points at (main, types, exports targets, bin), normalised without "./". */
export function entryPointFiles(manifest) {
  const targets = new Set();
  const add = (p) => {
    if (typeof p === 'string') targets.add(p.replace(/^\.\//, ''));
  };
  add(manifest.main);
  add(manifest.types);
  const walk = (node) => {
    if (typeof node === 'string') add(node);
    else if (node && typeof node === 'object') for (const value of Object.values(node)) walk(value);
  };
  walk(manifest.exports);
  if (typeof manifest.bin === 'string') add(manifest.bin);
  else walk(manifest.bin);
  return [...targets].sort();
}

/**
 * @param {Record<string, any>} manifest the package.json
 * @param {string[]} files the tarball's paths (relative, no "package/" prefix)
 * @returns {string[]} problems, each naming the package and file at fault
 */
export function packContentProblems(manifest, files) {
  const name = manifest.name;
  const problems = [];
  const shipped = new Set(files);
  for (const f of files) {
    const forbidden = FORBIDDEN.find((rule) => rule.test(f, manifest));
    if (forbidden) problems.push(`${name}: ${f} is ${forbidden.why} and must not be packed`);
    else if (!ALLOWED.some((rule) => rule.test(f, manifest))) problems.push(`${name}: ${f} is not something a package should ship`);
  }
  for (const f of REQUIRED_FILES) if (!shipped.has(f)) problems.push(`${name}: ${f} is missing from the tarball`);
  for (const f of entryPointFiles(manifest)) {
    if (f === 'package.json') continue;
    if (!shipped.has(f)) problems.push(`${name}: entry point ${f} (from main/types/exports/bin) is not in the tarball`);
  }
  problems.push(...manifestProblems(manifest));
  return problems;
}

/** Packaging fields that break consumers even when the files are right. */
export function manifestProblems(manifest) {
  const name = manifest.name;
  const problems = [];
  if (manifest.private) problems.push(`${name}: "private": true would stop it from being published`);
  if (manifest.type !== 'module') problems.push(`${name}: "type" must be "module" (the dist is ESM)`);
  if (!manifest.exports?.['.']) problems.push(`${name}: "exports" has no "." entry`);
  for (const [sub, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target !== 'object' || sub === './package.json') continue;
    const keys = Object.keys(target);
    if (!target.types) problems.push(`${name}: exports["${sub}"] has no "types" condition`);
    else if (keys[0] !== 'types') problems.push(`${name}: exports["${sub}"].types must come first (TypeScript reads conditions in order)`);
    // "default" (not only "import") lets CommonJS code require() the ESM build on Node >= 20.19.
    if (!target.default) problems.push(`${name}: exports["${sub}"] has no "default" condition, so require() cannot load it`);
  }
  if (!Array.isArray(manifest.files)) problems.push(`${name}: no "files" list (everything in the folder would be packed)`);
  for (const [bin, target] of Object.entries(typeof manifest.bin === 'object' ? manifest.bin : {})) {
    // npm 11 rewrites "./dist/x.js" on publish and warns that it "auto-corrected some errors".
    if (String(target).startsWith('./')) problems.push(`${name}: bin "${bin}" is "${target}"; write it without "./"`);
  }
  if (manifest.publishConfig?.access !== 'public') problems.push(`${name}: publishConfig.access must be "public" (scoped packages are private by default)`);
  return problems;
}

/** Each bin file must exist in dist and start with a node shebang, or `npx` cannot run it. */
export function binProblems(manifest, readFile) {
  const problems = [];
  const bins = typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
  for (const [bin, target] of Object.entries(bins)) {
    let text;
    try {
      text = readFile(String(target).replace(/^\.\//, ''));
    } catch {
      problems.push(`${manifest.name}: bin "${bin}" → ${target} does not exist (build first)`);
      continue;
    }
    if (!text.startsWith('#!/usr/bin/env node')) problems.push(`${manifest.name}: bin "${bin}" → ${target} does not start with "#!/usr/bin/env node"`);
  }
  return problems;
}

/**
 * Compiled files whose source is gone (a renamed or deleted module): `tsc -b` never removes them,
 * so a local build would publish them, and turbo's cache restores them after a clean. Fix:
 * `npm run clean && npm run build -- --force`.
 */
export function staleOutputProblems(manifest, files, sourceExists) {
  const problems = [];
  for (const f of files) {
    const m = /^dist\/(.+?)(\.d\.ts|\.js)$/.exec(f);
    if (!m) continue;
    const stem = 'src/' + m[1];
    if (!['.ts', '.mts', '.tsx', '.js', '.mjs'].some((ext) => sourceExists(stem + ext))) {
      problems.push(`${manifest.name}: ${f} has no source (${stem}.ts): stale build output; run \`npm run clean && npm run build -- --force\` (turbo's cache would restore it)`);
    }
  }
  return problems;
}

/** `compile` without a model must work after `npm install @hypertx/pipeline` (or the CLI, which depends on it): the model ships in the tarball. */
export function bundledModelProblems(manifest, files) {
  if (manifest.name !== MODELS_PACKAGE) return [];
  const problems = [];
  if (!(manifest.files ?? []).some((entry) => entry === 'models' || entry.startsWith('models/'))) {
    problems.push(`${manifest.name}: "files" does not include models/ (the bundled HyperTransformer models)`);
  }
  if (!files.includes('models/default.hxmodel')) {
    problems.push(
      `${manifest.name}: the bundled default model models/default.hxmodel is not in the tarball, so compile without a model fails after install ` +
        `(put the trained model at packages/pipeline/models/default.hxmodel)`,
    );
  }
  return problems;
}
