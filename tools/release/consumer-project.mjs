/**
 * An empty npm project outside the repository, set up the way a user would install hypertx:
 * no workspace, no hoisted node_modules above it, install scripts of the native/ download-on-install
 * dependencies denied (onnxruntime-node's postinstall fetches from outside the npm registry and
 * fails offline; its CPU binary ships in the tarball anyway).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCommand, npmEnv, describeRun } from './npm-env.mjs';
import { REPO_ROOT, readJson } from './workspace-packages.mjs';

/**
 * Install scripts a consumer denies: the ones the repository root denies in `allowScripts`.
 * Only onnxruntime-node's is needed offline (verified); the others only print or check binaries.
 */
export const DENIED_INSTALL_SCRIPTS = Object.entries(readJson(path.join(REPO_ROOT, 'package.json')).allowScripts ?? {})
  .filter(([, allowed]) => allowed === false)
  .map(([name]) => name);

/** Writes package.json (and optionally .npmrc) for an empty ESM consumer project. */
export async function createConsumerProject(dir, { npmrc } = {}) {
  await mkdir(dir, { recursive: true });
  const allowScripts = Object.fromEntries(DENIED_INSTALL_SCRIPTS.map((name) => [name, false]));
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'hypertx-consumer', version: '1.0.0', private: true, type: 'module', allowScripts }, null, 2) + '\n',
  );
  if (npmrc) await writeFile(path.join(dir, '.npmrc'), npmrc);
}

/** node_modules folders Node would search above `dir` (there must be none, or the test leaks). */
export function ancestorNodeModules(dir) {
  const found = [];
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules'))) found.push(path.join(d, 'node_modules'));
    if (path.dirname(d) === d) break;
  }
  return found;
}

/** `npm install <specs>` in the project (third-party packages come from the npm registry or its cache). */
export async function npmInstall(dir, specs, { env = npmEnv(), timeoutMs = 300_000 } = {}) {
  return runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], { cwd: dir, env, timeoutMs });
}

/** Every import specifier a package offers: "@hypertx/export", "@hypertx/export/testing", … */
export function publicSpecifiers(manifest) {
  // Code entry points only: exported data files (e.g. a JSON Schema) are checked by publicDataFiles.
  const subpaths = Object.keys(manifest.exports ?? { '.': manifest.main }).filter((s) => s !== './package.json' && !s.includes('*') && !s.endsWith('.json'));
  return subpaths.map((s) => (s === '.' ? manifest.name : manifest.name + s.slice(1)));
}

/** The package's exported data files (`"./x.json"` subpaths), as specifiers. */
export function publicDataFiles(manifest) {
  return Object.keys(manifest.exports ?? {}).filter((s) => s !== './package.json' && s.endsWith('.json')).map((s) => manifest.name + s.slice(1));
}

/**
 * Imports (or, with `viaRequire`, require()s) each specifier in a fresh Node process started in
 * `cwd` and returns, per specifier, its sorted export names and the file it resolved to (or the error).
 * `resolveAs` maps a specifier to what to import (default: the specifier itself).
 */
export async function importInChild(cwd, specifiers, resolveAs = (s) => s, { viaRequire = false } = {}) {
  const targets = Object.fromEntries(specifiers.map((s) => [s, resolveAs(s)]));
  // `import.meta` is a syntax error in CommonJS, so each mode gets its own lines.
  const resolveExpr = viaRequire ? 'require.resolve(target)' : 'import.meta.resolve(target)';
  const loadExpr = viaRequire ? 'require(target)' : 'await import(target)';
  const script = `
    const targets = ${JSON.stringify(targets)};
    const out = {};
    for (const [spec, target] of Object.entries(targets)) {
      try {
        const resolved = ${resolveExpr};
        const mod = ${loadExpr};
        out[spec] = { resolved, names: Object.keys(mod).sort() };
      } catch (err) {
        out[spec] = { error: String(err && err.stack || err) };
      }
    }
    process.stdout.write(JSON.stringify(out));
    process.exit(0); // some libraries keep worker handles open
  `;
  const inputType = viaRequire ? '--input-type=commonjs' : '--input-type=module';
  const body = viaRequire ? `(async () => { ${script} })()` : script;
  const run = await runCommand(process.execPath, [inputType, '-e', body], { cwd, env: npmEnv(), timeoutMs: 120_000 });
  if (run.code !== 0) throw new Error(describeRun(run));
  return JSON.parse(run.stdout);
}

/** file:// URL of a workspace package's entry for a specifier (for comparing with the installed copy). */
export function workspaceEntryUrl(pkg, specifier) {
  const sub = specifier === pkg.name ? '.' : '.' + specifier.slice(pkg.name.length);
  const target = pkg.manifest.exports?.[sub];
  const file = typeof target === 'string' ? target : (target?.default ?? target?.import);
  if (!file) throw new Error(`${pkg.name}: exports["${sub}"] has no import target`);
  return pathToFileURL(path.join(pkg.dir, file)).href;
}
