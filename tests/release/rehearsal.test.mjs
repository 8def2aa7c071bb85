// Release rehearsal: in a throwaway copy of the repository, `npm run version-packages` versions the
// packages from the pending changesets, and `npm run release` builds and publishes every package to
// a registry this test serves on 127.0.0.1. A fresh project then installs the packages from it.
// The real checkout is never modified and nothing is published to the real registry.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { changesetProblems, readChangesets } from '../../tools/release/changeset-files.mjs';
import { createConsumerProject, npmInstall } from '../../tools/release/consumer-project.mjs';
import { internalVersionProblems } from '../../tools/release/dependency-check.mjs';
import { scopedNpmrc, startFakeRegistry } from '../../tools/release/fake-registry.mjs';
import { describeRun, npmEnv, runCommand } from '../../tools/release/npm-env.mjs';
import { copyRepository, git } from '../../tools/release/repo-copy.mjs';
import { tarballFiles } from '../../tools/release/tarball.mjs';
import { REPO_ROOT, readJson, workspacePackages } from '../../tools/release/workspace-packages.mjs';

const packages = workspacePackages();
const names = packages.map((p) => p.name);
const SCOPE = '@hypertx';

describe('pending changesets', () => {
  test('.changeset/config.json publishes publicly from main', () => {
    const config = readJson(path.join(REPO_ROOT, '.changeset/config.json'));
    assert.equal(config.access, 'public');
    assert.equal(config.baseBranch, 'main');
    for (const group of [...(config.fixed ?? []), ...(config.linked ?? [])]) for (const n of group) assert.ok(names.includes(n), n);
    for (const n of config.ignore ?? []) assert.ok(names.includes(n), n);
  });

  test('each changeset names workspace packages with patch/minor/major and has a summary', () => {
    const problems = changesetProblems(readChangesets(path.join(REPO_ROOT, '.changeset')), names);
    assert.deepEqual(problems, []);
  });

  test('a package never released (0.0.0) has a changeset for its first release', () => {
    const changesets = readChangesets(path.join(REPO_ROOT, '.changeset'));
    for (const p of packages.filter((pkg) => pkg.version === '0.0.0')) {
      const bumps = changesets.flatMap((c) => c.releases).filter((r) => r.name === p.name).map((r) => r.type);
      assert.ok(
        bumps.includes('minor') || bumps.includes('major'),
        `${p.name} is at 0.0.0 and no changeset releases it as minor/major (it would go out as 0.0.1 with an empty changelog)`,
      );
    }
  });
});

describe('release rehearsal against a loopback registry', () => {
  let registry;
  let tmp;
  let repo;
  let before_;
  let status;
  let version;
  let release;
  let released = new Map(); // name → version after `version-packages`

  before(async () => {
    registry = await startFakeRegistry();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hypertx-release-rehearsal-'));
    repo = await copyRepository(path.join(tmp, 'repo'));
    await appendFile(path.join(repo, '.npmrc'), '\n' + scopedNpmrc(registry, SCOPE));
    before_ = new Map(workspacePackages(repo).map((p) => [p.name, p.version]));
    // What changesets plans, to compare with what `version` does.
    status = await runCommand('npx', ['--no-install', 'changeset', 'status', '--output=release-plan.json'], { cwd: repo });
    version = await runCommand('npm', ['run', 'version-packages'], { cwd: repo });
    released = new Map(workspacePackages(repo).map((p) => [p.name, p.version]));
    // Every npm call of the release goes to loopback: the scope via .npmrc and env (changesets
    // reads the env), the default registry too, so nothing can reach the real one.
    const env = npmEnv({ npm_config_registry: registry.url, [`npm_config_${SCOPE}:registry`]: registry.url, TURBO_TELEMETRY_DISABLED: '1' });
    release = await runCommand('npm', ['run', 'release'], { cwd: repo, env, timeoutMs: 300_000 });
  });

  after(async () => {
    await registry?.close();
    if (tmp && !process.env.HYPERTX_KEEP_RELEASE_TMP) await rm(tmp, { recursive: true, force: true });
  });

  test('`changeset status` plans a release from the pending changesets', () => {
    assert.equal(status.code, 0, describeRun(status));
    const plan = JSON.parse(readFileSync(path.join(repo, 'release-plan.json'), 'utf8'));
    assert.ok(plan.releases.length > 0, 'no package would be released: are there changesets in .changeset/?');
  });

  test('`npm run version-packages` applies exactly the planned versions, changelogs and lockfile', async () => {
    assert.equal(version.code, 0, describeRun(version));
    const plan = JSON.parse(readFileSync(path.join(repo, 'release-plan.json'), 'utf8'));
    for (const r of plan.releases) {
      assert.equal(released.get(r.name), r.newVersion, `${r.name}: planned ${r.newVersion}, got ${released.get(r.name)}`);
      const pkg = packages.find((p) => p.name === r.name);
      const changelog = path.join(repo, pkg.relDir, 'CHANGELOG.md');
      assert.ok(existsSync(changelog), `${r.name}: no CHANGELOG.md`);
      assert.match(await readFile(changelog, 'utf8'), new RegExp(`## ${r.newVersion.replace(/\./g, '\\.')}`));
    }
    assert.deepEqual(readChangesets(path.join(repo, '.changeset')), [], 'changesets left after versioning');
    assert.deepEqual(internalVersionProblems(workspacePackages(repo)), []);
    const lock = JSON.parse(await readFile(path.join(repo, 'package-lock.json'), 'utf8'));
    for (const p of packages) assert.equal(lock.packages[p.relDir]?.version, released.get(p.name), `package-lock.json: ${p.relDir}`);
  });

  test("docs/releasing.md's `git add` stages everything versioning changed, new CHANGELOG.md files included", async () => {
    assert.equal(version.code, 0, describeRun(version));
    const doc = readFileSync(path.join(REPO_ROOT, 'docs/releasing.md'), 'utf8');
    const line = /^git add ([^#\n]+?)\s*(?:#.*)?$/m.exec(doc);
    assert.ok(line, 'docs/releasing.md shows no `git add` line for the versioning commit');
    await git(repo, ['add', ...line[1].split(/\s+/)]);
    // Files the test itself made (the plan, the loopback .npmrc) are not the release's.
    const ours = new Set(['release-plan.json', '.npmrc']);
    const left = (await git(repo, ['status', '--porcelain', '--untracked-files=all']))
      .split('\n')
      .filter(Boolean)
      .filter((l) => l[1] !== ' ' && !ours.has(l.slice(3)));
    assert.deepEqual(left, [], `after \`git add ${line[1]}\` these are still unstaged or untracked`);
    const staged = (await git(repo, ['diff', '--cached', '--name-only'])).split('\n');
    for (const p of packages) if (released.get(p.name) !== before_.get(p.name)) assert.ok(staged.includes(`${p.relDir}/CHANGELOG.md`), `${p.relDir}/CHANGELOG.md is not staged`);
  });

  test('the real checkout is untouched', () => {
    for (const p of workspacePackages()) assert.equal(p.version, before_.get(p.name), `${p.name} changed in ${REPO_ROOT}`);
    for (const c of readChangesets(path.join(REPO_ROOT, '.changeset'))) assert.ok(existsSync(path.join(REPO_ROOT, '.changeset', c.file)));
  });

  test('`npm run release` builds and publishes every package with its new version as latest', async () => {
    assert.equal(release.code, 0, describeRun(release));
    for (const p of packages) {
      const v = released.get(p.name);
      const doc = registry.packuments.get(p.name);
      assert.ok(doc, `${p.name} was not published\n${describeRun(release)}`);
      assert.deepEqual(Object.keys(doc.versions), [v]);
      assert.equal(doc['dist-tags'].latest, v);
      for (const [dep, range] of Object.entries(doc.versions[v].dependencies ?? {})) {
        if (released.has(dep)) assert.equal(range, released.get(dep), `${p.name}@${v} depends on ${dep}@${range}`);
      }
    }
    assert.deepEqual([...registry.packuments.keys()].sort(), [...names].sort(), 'something else was published');
  });

  test('each published tarball carries its new version and changelog', async () => {
    requireRelease();
    for (const p of packages) {
      const v = released.get(p.name);
      const url = registry.packuments.get(p.name).versions[v].dist.tarball;
      const files = tarballFiles(Buffer.from(await (await fetch(url)).arrayBuffer()));
      assert.equal(JSON.parse(files.get('package.json').toString('utf8')).version, v, `${p.name}: package.json in the tarball`);
      const changelog = files.get('CHANGELOG.md')?.toString('utf8');
      assert.ok(changelog, `${p.name}@${v}: no CHANGELOG.md in the tarball (add it to "files")`);
      assert.match(changelog, new RegExp(`## ${v.replace(/\./g, '\\.')}`));
    }
  });

  /** The tests below look at what the release did: without it they would prove nothing. */
  function requireRelease() {
    assert.equal(release.code, 0, `needs a successful \`npm run release\` (see the test above):\n${describeRun(release, 1500)}`);
  }

  test('the release tagged each package in git', async () => {
    requireRelease();
    const tags = (await git(repo, ['tag', '--list'])).split('\n').filter(Boolean).sort();
    assert.deepEqual(tags, packages.map((p) => `${p.name}@${released.get(p.name)}`).sort());
  });

  test('releasing again publishes nothing (versions on the registry are skipped)', async () => {
    requireRelease();
    const puts = () => registry.requests.filter((r) => r.method === 'PUT').length;
    assert.equal(puts(), packages.length, `the release should have made ${packages.length} publish requests`);
    const env = npmEnv({ npm_config_registry: registry.url, [`npm_config_${SCOPE}:registry`]: registry.url });
    const again = await runCommand('npx', ['--no-install', 'changeset', 'publish'], { cwd: repo, env });
    assert.equal(again.code, 0, describeRun(again));
    assert.equal(puts(), packages.length, `publishing again sent publish requests:\n${describeRun(again)}`);
  });

  test('a fresh project installs every package from the registry (latest)', async () => {
    requireRelease();
    const project = path.join(tmp, 'consumer');
    await createConsumerProject(project, { npmrc: scopedNpmrc(registry, SCOPE, { withToken: false }) });
    const install = await npmInstall(project, names);
    assert.equal(install.code, 0, describeRun(install));
    for (const p of packages) {
      const installed = readJson(path.join(project, 'node_modules', ...p.name.split('/'), 'package.json'));
      assert.equal(installed.version, released.get(p.name), p.name);
    }
    const cli = packages.find((p) => p.manifest.bin);
    const run = await runCommand('npx', ['--no-install', 'hypertx', '--version'], { cwd: project });
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.stdout.trim(), released.get(cli.name));
    // The tarballs npm installed are the ones published (npm may take them from its cache by integrity).
    const lock = JSON.parse(await readFile(path.join(project, 'package-lock.json'), 'utf8'));
    for (const p of packages) {
      const published = registry.packuments.get(p.name).versions[released.get(p.name)].dist.integrity;
      assert.equal(lock.packages[`node_modules/${p.name}`]?.integrity, published, `${p.name}: installed tarball is not the published one`);
    }
  });

  test('a packaging problem stops `npm run release` before anything is published', async () => {
    requireRelease();
    const puts = () => registry.requests.filter((r) => r.method === 'PUT').length;
    const putsBefore = puts();
    const stale = path.join(repo, packages[0].relDir, 'dist', 'left-over-from-a-rename.js');
    await writeFile(stale, 'export {};\n');
    try {
      const env = npmEnv({ npm_config_registry: registry.url, [`npm_config_${SCOPE}:registry`]: registry.url, TURBO_TELEMETRY_DISABLED: '1' });
      const run = await runCommand('npm', ['run', 'release'], { cwd: repo, env, timeoutMs: 300_000 });
      assert.notEqual(run.code, 0, describeRun(run));
      assert.match(run.stdout + run.stderr, /left-over-from-a-rename\.js has no source/);
      assert.doesNotMatch(run.stdout + run.stderr, /🦋/, 'changesets must not start');
      assert.equal(puts(), putsBefore);
    } finally {
      await unlink(stale);
    }
  });
});
