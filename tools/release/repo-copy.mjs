/**
 * A throwaway copy of the repository for release rehearsals: `changeset version` rewrites
 * package.json files, changelogs and the lockfile, and `changeset publish` creates git tags, so
 * they must never run in the real checkout.
 *
 * The copy holds the tracked files (as they are in the working tree), the built dist/ folders
 * (timestamps kept, so `tsc -b` sees them as up to date) and a node_modules whose entries link to
 * the repository's installed dependencies, except the workspace links, which point into the copy.
 * It is its own git repository with one commit on `main` (changesets needs the base branch).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, workspacePackages } from './workspace-packages.mjs';

const run = promisify(execFile);

/** Copies the repository to `dest` (which must not exist) and commits it there on `main`. */
export async function copyRepository(dest, root = REPO_ROOT) {
  if (existsSync(dest)) throw new Error(`${dest} already exists`);
  await mkdir(dest, { recursive: true });
  const { stdout } = await run('git', ['ls-files', '-z'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const tracked = stdout.split('\0').filter(Boolean);
  for (const rel of tracked) {
    const from = path.join(root, rel);
    if (!existsSync(from)) continue; // deleted in the working tree
    await cp(from, path.join(dest, rel), { preserveTimestamps: true, verbatimSymlinks: true });
  }
  const packages = workspacePackages(root);
  for (const pkg of packages) {
    for (const built of ['dist', 'models']) {
      const from = path.join(pkg.dir, built);
      if (existsSync(from)) await cp(from, path.join(dest, pkg.relDir, built), { recursive: true, preserveTimestamps: true, force: false, errorOnExist: false });
    }
  }
  await linkNodeModules(root, dest, packages);
  await git(dest, ['init', '-q', '-b', 'main']);
  await git(dest, ['add', '-A']);
  await git(dest, ['commit', '-q', '--no-verify', '-m', 'release rehearsal snapshot']);
  return dest;
}

/** Runs git in `cwd` with a fixed identity and no signing (the machine's config may differ). */
export async function git(cwd, args) {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=hypertx release rehearsal', '-c', 'user.email=rehearsal@invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

async function linkNodeModules(root, dest, packages) {
  const source = path.join(root, 'node_modules');
  const target = path.join(dest, 'node_modules');
  await mkdir(target);
  const workspaceScopes = new Set(packages.map((p) => p.name.split('/')[0]).filter((s) => s.startsWith('@')));
  for (const entry of await readdir(source)) {
    if (entry === '.package-lock.json' || workspaceScopes.has(entry)) continue;
    await symlink(path.join(source, entry), path.join(target, entry));
  }
  for (const scope of workspaceScopes) {
    await mkdir(path.join(target, scope));
    const others = await readdir(path.join(source, scope)).catch(() => []);
    for (const entry of others) {
      if (packages.some((p) => p.name === `${scope}/${entry}`)) continue;
      await symlink(path.join(source, scope, entry), path.join(target, scope, entry));
    }
  }
  for (const pkg of packages) {
    const link = path.join(target, ...pkg.name.split('/'));
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(path.relative(path.dirname(link), path.join(dest, pkg.relDir)), link);
  }
}
