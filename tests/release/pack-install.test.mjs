// Users install the hypertx packages one by one from npm. This packs every workspace package,
// checks what each tarball holds and that its dependencies are declared, installs the tarballs
// into an empty project outside the repository, and uses them there: every public entry point
// imports (with the same API as the workspace build), TypeScript resolves their types, and the
// installed `hypertx` compiles a support set to ONNX and TFLite with its bundled model.
//
// Needs a build (`npm run build`, which `npm test` runs first) and the npm registry or its cache
// for third-party dependencies. Set HYPERTX_KEEP_RELEASE_TMP=1 to keep the temporary project.
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { checkPackages } from '../../tools/release/check-packages.mjs';
import { internalVersionProblems } from '../../tools/release/dependency-check.mjs';
import { brokenLinks, relativeLinks } from '../../tools/release/markdown-links.mjs';
import {
  DENIED_INSTALL_SCRIPTS,
  ancestorNodeModules,
  createConsumerProject,
  importInChild,
  npmInstall,
  publicDataFiles,
  publicSpecifiers,
  workspaceEntryUrl,
} from '../../tools/release/consumer-project.mjs';
import { describeRun, npmEnv, runCommand } from '../../tools/release/npm-env.mjs';
import { REPO_ROOT, workspacePackages } from '../../tools/release/workspace-packages.mjs';
import { EXAMPLE_RUNS, SERVICE_EXAMPLES, taggedExamples } from '../examples/example-runs.mjs';

const packages = workspacePackages();
const cli = packages.find((p) => p.manifest.bin);
const FIXTURE = path.join(REPO_ROOT, 'fixtures/support/glyphs-5way-1shot');
const TSC = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');

describe('what each package would publish', () => {
  let report;
  before(async () => {
    report = await checkPackages();
  });

  for (const pkg of packages) {
    test(`${pkg.name}: tarball holds only what it needs; entry points, bin and dependencies are right`, () => {
      const entry = report.packages.find((p) => p.name === pkg.name);
      assert.ok(entry, `${pkg.name} missing from npm pack output`);
      assert.deepEqual(entry.problems, [], `\n${entry.problems.join('\n')}\n(see tools/release/check-packages.mjs)`);
    });
  }

  test('each package has a README (install, example, API) and the root README links it', async () => {
    const root = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const p of packages) {
      const file = path.join(p.dir, 'README.md');
      assert.ok(existsSync(file), `${p.relDir}/README.md is missing`);
      const readme = await readFile(file, 'utf8');
      assert.match(readme, new RegExp(`^# ${p.name}`, 'm'), `${p.relDir}/README.md: title`);
      assert.match(readme, new RegExp(`npm install [^\\n]*${p.name}(?![\\w-])`), `${p.relDir}/README.md: no \`npm install ${p.name}\``);
      assert.match(readme, /^```(ts|sh|js)/m, `${p.relDir}/README.md: no example`);
      assert.match(readme, /^##+ .*\bAPI\b/m, `${p.relDir}/README.md: no API section`);
      assert.ok(root.includes(`](${p.relDir})`), `README.md does not link ${p.relDir}`);
    }
  });

  test('package READMEs link nothing outside the package (relative links break on npmjs.com)', async () => {
    for (const p of packages) {
      const outside = relativeLinks(await readFile(path.join(p.dir, 'README.md'), 'utf8')).filter((l) => l.startsWith('..') || l.startsWith('/'));
      assert.deepEqual(outside, [], `${p.relDir}/README.md: use https:// links for files outside the package`);
    }
  });

  test('relative links in README.md, package READMEs and docs/ resolve', async () => {
    const docs = existsSync(path.join(REPO_ROOT, 'docs')) ? (await readdir(path.join(REPO_ROOT, 'docs'))).filter((f) => f.endsWith('.md')) : [];
    const files = [path.join(REPO_ROOT, 'README.md'), ...packages.map((p) => path.join(p.dir, 'README.md')), ...docs.map((f) => path.join(REPO_ROOT, 'docs', f))];
    const broken = files.filter((f) => existsSync(f)).flatMap(brokenLinks).map((l) => path.relative(REPO_ROOT, l.split(' → ')[0]) + ' → ' + l.split(' → ')[1]);
    assert.deepEqual(broken, []);
  });

  test('dependencies between workspace packages name the current versions', () => {
    assert.deepEqual(internalVersionProblems(packages), []);
  });
});

describe('installed from the tarballs into an empty project', () => {
  let tmp;
  let project;
  let install;

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hypertx-pack-install-'));
    project = path.join(tmp, 'project');
    const tarballs = path.join(tmp, 'tarballs');
    await mkdir(tarballs);
    const pack = await runCommand('npm', ['pack', '--workspaces', '--ignore-scripts', '--json', '--pack-destination', tarballs], {
      cwd: REPO_ROOT,
      env: npmEnv(),
    });
    if (pack.code !== 0) throw new Error(describeRun(pack));
    const files = JSON.parse(pack.stdout).map((entry) => path.join(tarballs, entry.filename));
    await createConsumerProject(project);
    install = await npmInstall(project, files);
  });

  after(async () => {
    if (tmp && !process.env.HYPERTX_KEEP_RELEASE_TMP) await rm(tmp, { recursive: true, force: true });
  });

  /** The README an installed package ships ('' when it has none: the tarball test above reports that). */
  async function installedReadme(pkg) {
    const file = path.join(project, 'node_modules', ...pkg.name.split('/'), 'README.md');
    return existsSync(file) ? readFile(file, 'utf8') : '';
  }

  function requireInstall() {
    assert.equal(install.code, 0, `installing the tarballs failed:\n${describeRun(install)}`);
  }

  test('the project sees no node_modules from the repository or above it', () => {
    assert.ok(!path.resolve(tmp).startsWith(path.resolve(REPO_ROOT)), `${tmp} is inside the repository`);
    assert.deepEqual(ancestorNodeModules(project), []);
  });

  test('npm install of the six tarballs succeeds with only onnxruntime-node & co. scripts denied', () => {
    assert.ok(DENIED_INSTALL_SCRIPTS.includes('onnxruntime-node'), 'its postinstall downloads from outside the npm registry');
    requireInstall();
    assert.doesNotMatch(install.stderr, /npm (error|ERR!)/);
  });

  test('internal dependencies resolve to the tarballs, not to registry copies', async () => {
    requireInstall();
    const lock = JSON.parse(await readFile(path.join(project, 'package-lock.json'), 'utf8'));
    for (const [where, entry] of Object.entries(lock.packages)) {
      if (!/node_modules\/@hypertx\//.test(where)) continue;
      assert.match(where, /^node_modules\/@hypertx\/[^/]+$/, `a nested copy at ${where}: a dependency range does not match the packed version`);
      assert.match(entry.resolved ?? '', /^file:/, `${where} came from ${entry.resolved}`);
    }
  });

  test('every public entry point imports from the installed packages, with the workspace build’s API', async () => {
    requireInstall();
    const specifiers = packages.flatMap((p) => publicSpecifiers(p.manifest));
    const installed = await importInChild(project, specifiers);
    const workspace = await importInChild(REPO_ROOT, specifiers, (s) => {
      const pkg = packages.find((p) => s === p.name || s.startsWith(p.name + '/'));
      return workspaceEntryUrl(pkg, s);
    });
    for (const spec of specifiers) {
      const got = installed[spec];
      assert.ok(!got.error, `import('${spec}') failed in the installed project:\n${got.error}`);
      assert.ok(got.resolved.startsWith(pathToFileURL(path.join(realpathSync(project), 'node_modules')).href), `${spec} resolved to ${got.resolved}`);
      assert.ok(!workspace[spec].error, `import('${spec}') failed in the workspace:\n${workspace[spec].error}`);
      assert.deepEqual(got.names, workspace[spec].names, `${spec}: installed exports differ from the workspace build`);
    }
    // Libraries must export something; the CLI package is its bin.
    for (const spec of specifiers.filter((s) => s !== cli.name)) assert.ok(installed[spec].names.length > 0, `${spec} exports nothing`);
  });

  test('every exported data file (the recipe JSON Schema) resolves and parses in the installed project', async () => {
    requireInstall();
    const specifiers = packages.flatMap((p) => publicDataFiles(p.manifest));
    assert.ok(specifiers.includes('@hypertx/pipeline/recipe.schema.json'), specifiers.join(', '));
    const script = `const specs = ${JSON.stringify(specifiers)}; for (const s of specs) { const v = require(s); if (typeof v !== 'object' || v === null) throw new Error(s + ' is not a JSON object'); } console.log('ok');`;
    const run = await runCommand(process.execPath, ['-e', script], { cwd: project });
    assert.equal(run.code, 0, describeRun(run));
  });

  test('CommonJS code can require() every entry point (Node >= 20.19 loads ESM through require)', async () => {
    requireInstall();
    const specifiers = packages.flatMap((p) => publicSpecifiers(p.manifest));
    const required = await importInChild(project, specifiers, (s) => s, { viaRequire: true });
    const imported = await importInChild(project, specifiers);
    for (const spec of specifiers) {
      assert.ok(!required[spec].error, `require('${spec}') failed:\n${required[spec].error}`);
      assert.deepEqual(required[spec].names.filter((n) => n !== '__esModule' && n !== 'module.exports'), imported[spec].names, spec);
    }
  });

  test('TypeScript (NodeNext, strict) finds the types of every entry point', async () => {
    requireInstall();
    const specifiers = packages.flatMap((p) => publicSpecifiers(p.manifest));
    const lines = specifiers.map((s, i) => `import * as m${i} from '${s}';`);
    lines.push(`export const modules = [${specifiers.map((_, i) => `m${i}`).join(', ')}];`);
    await writeFile(path.join(project, 'consumer.ts'), lines.join('\n') + '\n');
    const tsconfig = {
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['consumer.ts'],
    };
    await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const run = await runCommand(process.execPath, [TSC, '-p', project], { cwd: project });
    assert.equal(run.code, 0, describeRun(run));
  });

  test('with skipLibCheck: false, every entry point and every typing it reaches compiles (no Long, EmscriptenModule, tfjs-layers)', async () => {
    requireInstall();
    const specifiers = packages.flatMap((p) => publicSpecifiers(p.manifest));
    const lines = specifiers.map((s, i) => `import * as m${i} from '${s}';`);
    lines.push(`export const modules = [${specifiers.map((_, i) => `m${i}`).join(', ')}];`);
    await writeFile(path.join(project, 'consumer-strict.ts'), lines.join('\n') + '\n');
    // A consumer's usual settings (no `types` or `lib` restriction: @types packages and the DOM lib,
    // which TensorFlow.js's typings use, are in scope), only skipLibCheck turned off.
    const tsconfig = {
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false },
      files: ['consumer-strict.ts'],
    };
    await writeFile(path.join(project, 'tsconfig.strict.json'), JSON.stringify(tsconfig));
    const run = await runCommand(process.execPath, [TSC, '-p', path.join(project, 'tsconfig.strict.json')], { cwd: project });
    assert.equal(run.code, 0, describeRun(run));
  });

  test('the examples in the installed READMEs type-check against the installed packages (checkJs, skipLibCheck: false)', async () => {
    requireInstall();
    const files = [];
    for (const p of packages) {
      for (const { file, code } of taggedExamples(await installedReadme(p))) files.push({ name: `readme-${path.basename(file)}`, code });
    }
    assert.ok(files.length >= 7, `only ${files.length} README examples`);
    await Promise.all(files.map((f) => writeFile(path.join(project, f.name), f.code)));
    // JavaScript as the READMEs show it: implicit any allowed, every name and option checked.
    const tsconfig = {
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2023', 'DOM'], allowJs: true, checkJs: true, strict: false, noEmit: true, skipLibCheck: false },
      files: files.map((f) => f.name),
    };
    await writeFile(path.join(project, 'tsconfig.readme.json'), JSON.stringify(tsconfig));
    const run = await runCommand(process.execPath, [TSC, '-p', path.join(project, 'tsconfig.readme.json')], { cwd: project });
    assert.equal(run.code, 0, describeRun(run));
  });

  test('the examples in the installed READMEs run as written in a CommonJS project (`npm init -y`)', { timeout: 600_000 }, async () => {
    requireInstall();
    // A sub-folder with the package.json `npm init -y` writes (no "type": CommonJS by default); the
    // packages resolve from the project's node_modules above it.
    const cjs = path.join(project, 'cjs-app');
    await mkdir(cjs, { recursive: true });
    await writeFile(path.join(cjs, 'package.json'), JSON.stringify({ name: 'cjs-app', version: '1.0.0', main: 'index.js', license: 'ISC' }, null, 2) + '\n');
    let ran = 0;
    for (const p of packages) {
      for (const { file, code } of taggedExamples(await installedReadme(p))) {
        const example = EXAMPLE_RUNS[file];
        if (!example) {
          assert.ok(SERVICE_EXAMPLES.has(file), `${p.name} README shows ${file}, which tests/examples/example-runs.mjs does not know how to run`);
          continue;
        }
        const script = path.join(cjs, path.basename(file));
        await writeFile(script, code);
        const work = await mkdtemp(path.join(tmp, 'example-run-'));
        const run = await runCommand(process.execPath, [script, ...example.args(work)], { cwd: work, timeoutMs: 240_000 });
        assert.equal(run.code, 0, `${p.name}: ${file}\n${describeRun(run)}`);
        for (const pattern of example.stdout) assert.match(run.stdout, pattern, `${p.name}: ${file}\n${describeRun(run)}`);
        for (const written of example.files ?? []) assert.ok(existsSync(path.join(work, written)), `${file} did not write ${written}`);
        ran++;
      }
    }
    assert.ok(ran >= 7, `ran ${ran} README examples`);
  });

  test('`npx hypertx --help` and `--version` run the installed bin', async () => {
    requireInstall();
    const help = await runCommand('npx', ['--no-install', 'hypertx', '--help'], { cwd: project });
    assert.equal(help.code, 0, describeRun(help));
    assert.match(help.stdout, /Usage: hypertx/);
    assert.match(help.stdout, /\bcompile\b/);
    const version = await runCommand('npx', ['--no-install', 'hypertx', '--version'], { cwd: project });
    assert.equal(version.code, 0, describeRun(version));
    assert.equal(version.stdout.trim(), cli.version);
  });

  test('`npx hypertx compile <support> -f onnx,tflite` writes both files with the bundled model', async () => {
    requireInstall();
    const model = path.join(project, 'node_modules', '@hypertx/pipeline', 'models', 'default.hxmodel');
    assert.ok(
      existsSync(model),
      `the bundled model is missing from the installed @hypertx/pipeline (${path.relative(project, model)}): ` +
        `packages/pipeline/models/default.hxmodel must exist when packing, or \`hypertx compile\` without -m cannot work for users`,
    );
    const support = path.join(tmp, 'glyphs-5way-1shot');
    await cp(FIXTURE, support, { recursive: true });
    const out = path.join(tmp, 'out');
    const run = await runCommand('npx', ['--no-install', 'hypertx', 'compile', support, '-f', 'onnx,tflite', '-o', out + path.sep, '--quiet'], {
      cwd: project,
      timeoutMs: 240_000,
    });
    assert.equal(run.code, 0, describeRun(run));
    const written = (await readdir(out)).sort();
    const onnx = written.filter((f) => f.endsWith('.onnx'));
    const tflite = written.filter((f) => f.endsWith('.tflite'));
    assert.equal(onnx.length, 1, `expected one .onnx in ${written.join(', ')}`);
    assert.equal(tflite.length, 1, `expected one .tflite in ${written.join(', ')}`);
    const tfliteBytes = await readFile(path.join(out, tflite[0]));
    assert.equal(tfliteBytes.subarray(4, 8).toString('latin1'), 'TFL3', 'TFLite file identifier');
    const onnxBytes = await readFile(path.join(out, onnx[0]));
    assert.equal(onnxBytes[0], 0x08, 'ONNX ModelProto starts with field 1 (ir_version)');
    assert.ok((await stat(path.join(out, onnx[0]))).size > 1000);
  });
});
