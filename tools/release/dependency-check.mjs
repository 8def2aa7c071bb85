/**
 * Declared dependencies against what the shipped code imports.
 *
 * In the monorepo every package can import anything hoisted into the root node_modules; once
 * installed on its own it can import only what its package.json declares. This scans the shipped
 * dist/**\/*.js and *.d.ts files (static imports, re-exports, literal dynamic imports, require and
 * require.resolve calls) with TypeScript's import scanner, which skips comments and strings.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const BUILTINS = new Set(builtinModules);

/** "@scope/name/sub/path" → "@scope/name"; "name/sub" → "name"; relative or builtin → undefined. */
export function packageNameOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return undefined; // data:, file:, https: URLs
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (BUILTINS.has(name)) return undefined;
  return name;
}

/** The module specifiers one file imports. */
export function importSpecifiers(sourceText) {
  const info = ts.preProcessFile(sourceText, true, true);
  const specifiers = info.importedFiles.map((f) => f.fileName);
  // require.resolve('x') loads nothing but still needs x installed (e.g. to find its wasm files).
  for (const m of sourceText.matchAll(/\brequire\.resolve\(\s*(['"])([^'"\n]+)\1/g)) specifiers.push(m[2]);
  for (const ref of info.typeReferenceDirectives) specifiers.push(ref.fileName);
  return specifiers;
}

/**
 * @param {string} pkgDir the package folder
 * @param {string[]} files shipped paths relative to pkgDir (from the pack list)
 * @returns {{ runtime: Map<string, string[]>, types: Map<string, string[]> }} package name → files importing it
 */
export function shippedImports(pkgDir, files) {
  const runtime = new Map();
  const types = new Map();
  for (const file of files) {
    const isTypes = file.endsWith('.d.ts');
    if (!isTypes && !/\.(m|c)?js$/.test(file)) continue;
    const text = readFileSync(path.join(pkgDir, file), 'utf8');
    for (const spec of importSpecifiers(text)) {
      const name = packageNameOf(spec);
      if (!name) continue;
      const map = isTypes ? types : runtime;
      if (!map.has(name)) map.set(name, []);
      map.get(name).push(file);
    }
  }
  return { runtime, types };
}

/**
 * @param {Record<string, any>} manifest the package.json
 * @param {{ runtime: Map<string, string[]>, types: Map<string, string[]> }} imports from shippedImports
 * @param {Record<string, string>} [declaredOnPurpose] dependency → why it is declared although no shipped file imports it
 * @returns {string[]} problems naming package, dependency and an importing file
 */
export function dependencyProblems(manifest, imports, declaredOnPurpose = {}) {
  const name = manifest.name;
  const deps = new Set(Object.keys(manifest.dependencies ?? {}));
  const peers = new Set(Object.keys(manifest.peerDependencies ?? {}));
  const optional = new Set(Object.keys(manifest.optionalDependencies ?? {}));
  const installable = (dep) => deps.has(dep) || peers.has(dep) || optional.has(dep);
  const problems = [];

  for (const [dep, files] of imports.runtime) {
    if (dep === name) continue; // self-reference through its own "exports"
    if (!installable(dep)) {
      const where = manifest.devDependencies?.[dep] ? ' (it is only a devDependency)' : '';
      problems.push(`${name}: ${files[0]} imports "${dep}", which is not in dependencies${where}`);
    }
  }
  for (const [dep, files] of imports.types) {
    if (dep === name || installable(dep)) continue;
    const typesPackage = '@types/' + dep.replace(/^@/, '').replace('/', '__');
    if (installable(typesPackage)) continue;
    problems.push(`${name}: ${files[0]} (types) refers to "${dep}", which is not in dependencies; TypeScript users cannot resolve it`);
  }
  for (const dep of deps) {
    if (imports.runtime.has(dep) || imports.types.has(dep) || declaredOnPurpose[dep]) continue;
    problems.push(`${name}: dependency "${dep}" is declared but no shipped file imports it`);
  }
  for (const dep of Object.keys(declaredOnPurpose)) {
    if (!deps.has(dep)) problems.push(`${name}: "${dep}" is listed as declared on purpose but is not a dependency`);
  }
  for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
    if (/^(file|link|workspace|git|https?):|^\.\.?\//.test(range)) problems.push(`${name}: dependency "${dep}": "${range}" cannot be installed from a registry`);
  }
  return problems;
}

/** Dependencies between workspace packages must name the sibling's current version. */
export function internalVersionProblems(packages) {
  const versions = new Map(packages.map((p) => [p.name, p.version]));
  const problems = [];
  for (const p of packages) {
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(p.manifest[field] ?? {})) {
        if (!versions.has(dep)) continue;
        const current = versions.get(dep);
        const ok = range === current || range === `^${current}` || range === `~${current}`;
        if (!ok) problems.push(`${p.name}: ${field}["${dep}"] is "${range}" but the workspace has ${dep}@${current}`);
      }
    }
  }
  return problems;
}
