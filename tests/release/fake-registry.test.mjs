// The loopback registry used by the release rehearsal speaks enough npm protocol to be trusted:
// real `npm publish`, `npm view` and `npm install` against it, including the refusals.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scopedNpmrc, startFakeRegistry } from '../../tools/release/fake-registry.mjs';
import { describeRun, runCommand } from '../../tools/release/npm-env.mjs';

const SCOPE = '@rehearsal';

describe('fake npm registry on loopback', () => {
  let registry;
  let work;

  before(async () => {
    registry = await startFakeRegistry();
    work = await mkdtemp(path.join(os.tmpdir(), 'hypertx-fake-registry-'));
  });
  after(async () => {
    await registry?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function makePackage(version, { token = true } = {}) {
    const dir = path.join(work, `tiny-${version}-${token ? 'auth' : 'anon'}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: `${SCOPE}/tiny`, version, type: 'module', main: 'index.js' }));
    await writeFile(path.join(dir, 'index.js'), `export const version = ${JSON.stringify(version)};\n`);
    await writeFile(path.join(dir, '.npmrc'), scopedNpmrc(registry, SCOPE, { withToken: token }));
    return dir;
  }

  test('npm publish stores the version, its dist-tag and a tarball with matching integrity', async () => {
    const dir = await makePackage('1.0.0');
    const run = await runCommand('npm', ['publish', '--access', 'public'], { cwd: dir });
    assert.equal(run.code, 0, describeRun(run));
    const doc = registry.packuments.get(`${SCOPE}/tiny`);
    assert.deepEqual(Object.keys(doc.versions), ['1.0.0']);
    assert.equal(doc['dist-tags'].latest, '1.0.0');
    const tarballUrl = doc.versions['1.0.0'].dist.tarball;
    assert.ok(tarballUrl.startsWith(registry.url), tarballUrl);
    const res = await fetch(tarballUrl);
    assert.equal(res.status, 200);
    assert.ok((await res.arrayBuffer()).byteLength > 0);
  });

  test('npm view reads the packument back', async () => {
    const dir = await makePackage('1.0.0');
    const run = await runCommand('npm', ['view', `${SCOPE}/tiny`, 'version'], { cwd: dir });
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.stdout.trim(), '1.0.0');
  });

  test('a version cannot be published twice', async () => {
    const dir = await makePackage('1.0.0');
    const run = await runCommand('npm', ['publish', '--access', 'public'], { cwd: dir });
    assert.notEqual(run.code, 0, describeRun(run));
    assert.match(run.stderr, /cannot publish over the previously published version/);
  });

  test('publishing without the token is refused', async () => {
    const dir = await makePackage('2.0.0', { token: false });
    const run = await runCommand('npm', ['publish', '--access', 'public'], { cwd: dir });
    assert.notEqual(run.code, 0, describeRun(run));
    assert.match(run.stderr, /E401|ENEEDAUTH|unauthorized/i);
    assert.equal(registry.packuments.get(`${SCOPE}/tiny`).versions['2.0.0'], undefined);
  });

  test('--tag next adds a dist-tag and leaves latest alone', async () => {
    const dir = await makePackage('1.1.0-next.0');
    const run = await runCommand('npm', ['publish', '--access', 'public', '--tag', 'next'], { cwd: dir });
    assert.equal(run.code, 0, describeRun(run));
    const tags = registry.packuments.get(`${SCOPE}/tiny`)['dist-tags'];
    assert.deepEqual(tags, { latest: '1.0.0', next: '1.1.0-next.0' });
  });

  test('npm install resolves latest from the registry and unpacks it', async () => {
    const consumer = path.join(work, 'consumer');
    await mkdir(consumer, { recursive: true });
    await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await writeFile(path.join(consumer, '.npmrc'), scopedNpmrc(registry, SCOPE, { withToken: false }));
    const run = await runCommand('npm', ['install', `${SCOPE}/tiny`], { cwd: consumer });
    assert.equal(run.code, 0, describeRun(run));
    const installed = JSON.parse(await readFile(path.join(consumer, 'node_modules', SCOPE, 'tiny', 'package.json'), 'utf8'));
    assert.equal(installed.version, '1.0.0');
    const code = await readFile(path.join(consumer, 'node_modules', SCOPE, 'tiny', 'index.js'), 'utf8');
    assert.match(code, /"1\.0\.0"/);
  });
});
