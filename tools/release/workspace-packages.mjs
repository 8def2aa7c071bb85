/** The publishable packages of the monorepo, read from the root package.json `workspaces`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * @typedef {{ name: string, version: string, dir: string, relDir: string, manifest: Record<string, any> }} WorkspacePackage
 */

/** @returns {WorkspacePackage[]} in the order the root package.json lists them (dependencies first). */
export function workspacePackages(root = REPO_ROOT) {
  const rootManifest = readJson(path.join(root, 'package.json'));
  const workspaces = rootManifest.workspaces ?? [];
  return workspaces.map((relDir) => {
    if (relDir.includes('*')) throw new Error(`workspace "${relDir}": list workspace folders explicitly (no globs)`);
    const dir = path.join(root, relDir);
    const manifest = readJson(path.join(dir, 'package.json'));
    return { name: manifest.name, version: manifest.version, dir, relDir, manifest };
  });
}

export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read JSON (${err.message})`);
  }
}
