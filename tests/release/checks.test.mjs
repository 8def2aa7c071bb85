// The packaging checks catch what they claim to catch (each rule, on a made-up package).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changesetProblems, parseChangeset } from '../../tools/release/changeset-files.mjs';
import { dependencyProblems, importSpecifiers, internalVersionProblems, packageNameOf } from '../../tools/release/dependency-check.mjs';
import { binProblems, bundledModelProblems, entryPointFiles, packContentProblems, staleOutputProblems } from '../../tools/release/pack-contents.mjs';

const manifest = {
  name: '@hypertx/demo',
  version: '1.0.0',
  type: 'module',
  main: './dist/index.js',
  types: './dist/index.d.ts',
  exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './extra': { types: './dist/extra.d.ts', default: './dist/extra.js' }, './package.json': './package.json' },
  files: ['dist', 'README.md', 'LICENSE'],
  publishConfig: { access: 'public' },
  dependencies: { flatbuffers: '25.9.23', '@hypertx/export': '1.0.0' },
};
const goodFiles = ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/extra.js', 'dist/extra.d.ts'];

describe('tarball contents', () => {
  test('a clean package has no problems', () => {
    assert.deepEqual(packContentProblems(manifest, goodFiles), []);
  });

  for (const [file, reason] of [
    ['dist/index.test.js', /a test/],
    ['dist/index.test.d.ts', /a test/],
    ['dist/test-support/tiny.js', /test support/],
    ['dist/.tsbuildinfo', /build info/],
    ['dist/index.js.map', /source map/],
    ['dist/index.d.ts.map', /source map/],
    ['src/index.ts', /not something a package should ship/],
    ['bench/run.mjs', /not something a package should ship/],
    ['models/default.hxmodel', /not something a package should ship/], // only the pipeline ships models
  ]) {
    test(`${file} is refused`, () => {
      const problems = packContentProblems(manifest, [...goodFiles, file]);
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0], reason);
      assert.ok(problems[0].includes(file));
    });
  }

  test('missing README, LICENSE and entry points are reported', () => {
    const problems = packContentProblems(manifest, ['package.json', 'dist/index.js', 'dist/index.d.ts']);
    assert.deepEqual(problems.map((p) => p.replace(/^@hypertx\/demo: /, '')).sort(), [
      'LICENSE is missing from the tarball',
      'README.md is missing from the tarball',
      'entry point dist/extra.d.ts (from main/types/exports/bin) is not in the tarball',
      'entry point dist/extra.js (from main/types/exports/bin) is not in the tarball',
    ]);
  });

  test('manifest mistakes: types not first, no default, bin with ./, private, not public', () => {
    const bad = {
      ...manifest,
      private: true,
      publishConfig: {},
      exports: { '.': { import: './dist/index.js', types: './dist/index.d.ts' }, './x': { types: './dist/index.d.ts', import: './dist/index.js' } },
      bin: { demo: './dist/index.js' },
    };
    const text = packContentProblems(bad, goodFiles).join('\n');
    assert.match(text, /"private": true/);
    assert.match(text, /types must come first/);
    assert.match(text, /exports\["\.\/x"\] has no "default" condition/);
    assert.match(text, /bin "demo" is "\.\/dist\/index\.js"/);
    assert.match(text, /publishConfig\.access/);
  });

  test('entry points come from main, types, exports and bin', () => {
    assert.deepEqual(entryPointFiles({ ...manifest, bin: { demo: 'dist/bin.js' } }), [
      'dist/bin.js', 'dist/extra.d.ts', 'dist/extra.js', 'dist/index.d.ts', 'dist/index.js', 'package.json',
    ]);
  });

  test('a bin without a node shebang, or missing, is reported', () => {
    const withBin = { ...manifest, bin: { demo: 'dist/bin.js' } };
    assert.deepEqual(binProblems(withBin, () => '#!/usr/bin/env node\nimport "./main.js";\n'), []);
    assert.match(binProblems(withBin, () => 'import "./main.js";\n')[0], /shebang|#!\/usr\/bin\/env node/);
    assert.match(binProblems(withBin, () => { throw new Error('ENOENT'); })[0], /does not exist/);
  });

  test('the pipeline must ship models/default.hxmodel', () => {
    const cli = { ...manifest, name: '@hypertx/pipeline', files: ['dist', 'models'] };
    assert.deepEqual(bundledModelProblems(cli, [...goodFiles, 'models/default.hxmodel']), []);
    assert.match(bundledModelProblems(cli, goodFiles).join('\n'), /models\/default\.hxmodel is not in the tarball/);
    assert.match(bundledModelProblems({ ...cli, files: ['dist'] }, goodFiles).join('\n'), /"files" does not include models/);
    assert.deepEqual(packContentProblems(cli, [...goodFiles, 'models/default.hxmodel']).filter((p) => p.includes('models/')), []);
  });

  test('compiled files without a source are stale', () => {
    const sources = new Set(['src/index.ts', 'src/extra.ts']);
    assert.deepEqual(staleOutputProblems(manifest, goodFiles, (f) => sources.has(f)), []);
    const problems = staleOutputProblems(manifest, [...goodFiles, 'dist/old-name.js'], (f) => sources.has(f));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /dist\/old-name\.js has no source/);
  });
});

describe('declared dependencies', () => {
  const imports = (runtime, types = {}) => ({
    runtime: new Map(Object.entries(runtime)),
    types: new Map(Object.entries(types)),
  });

  test('import scanning sees static, dynamic, re-export, require and require.resolve, not comments', () => {
    const code = [
      "import { a } from 'alpha';",
      "export * from '@scope/beta/sub/path.js';",
      "const g = await import('gamma');",
      "const d = require('delta');",
      "const p = require.resolve('epsilon/package.json');",
      "// import 'commented-out';",
      "const s = \"import('in-a-string')\";",
      "import './relative.js';",
      "import fs from 'node:fs';",
    ].join('\n');
    const names = importSpecifiers(code).map(packageNameOf).filter(Boolean).sort();
    assert.deepEqual(names, ['@scope/beta', 'alpha', 'delta', 'epsilon', 'gamma']);
  });

  test('builtins without node: are not packages', () => {
    assert.equal(packageNameOf('fs'), undefined);
    assert.equal(packageNameOf('fs/promises'), undefined);
    assert.equal(packageNameOf('node:test'), undefined);
  });

  test('declared and imported: no problems', () => {
    assert.deepEqual(dependencyProblems(manifest, imports({ flatbuffers: ['dist/a.js'], '@hypertx/export': ['dist/b.js'] })), []);
  });

  test('an import the package does not declare (hoisting hides it in the monorepo)', () => {
    const problems = dependencyProblems(manifest, imports({ flatbuffers: ['dist/a.js'], '@hypertx/export': ['dist/b.js'], sharp: ['dist/c.js'] }));
    assert.deepEqual(problems, ['@hypertx/demo: dist/c.js imports "sharp", which is not in dependencies']);
  });

  test('an import that is only a devDependency', () => {
    const m = { ...manifest, devDependencies: { sharp: '1.0.0' } };
    const problems = dependencyProblems(m, imports({ flatbuffers: ['a'], '@hypertx/export': ['b'], sharp: ['dist/c.js'] }));
    assert.match(problems[0], /only a devDependency/);
  });

  test('types that refer to an undeclared package; @types/ satisfies them', () => {
    const types = { 'cli-progress': ['dist/p.d.ts'] };
    const base = { flatbuffers: ['a'], '@hypertx/export': ['b'] };
    assert.match(dependencyProblems(manifest, imports(base, types))[0], /\(types\) refers to "cli-progress"/);
    const withTypes = { ...manifest, dependencies: { ...manifest.dependencies, '@types/cli-progress': '3.11.6' } };
    assert.deepEqual(
      dependencyProblems(withTypes, imports(base, types), { '@types/cli-progress': 'types only' }),
      [],
    );
  });

  test('a dependency nothing imports, unless declared on purpose', () => {
    const problems = dependencyProblems(manifest, imports({ '@hypertx/export': ['b'] }));
    assert.deepEqual(problems, ['@hypertx/demo: dependency "flatbuffers" is declared but no shipped file imports it']);
    assert.deepEqual(dependencyProblems(manifest, imports({ '@hypertx/export': ['b'] }), { flatbuffers: 'loaded by name' }), []);
  });

  test('peers and optional dependencies count as declared', () => {
    const m = { ...manifest, peerDependencies: { onnx: '1' }, optionalDependencies: { png: '1' } };
    assert.deepEqual(dependencyProblems(m, imports({ flatbuffers: ['a'], '@hypertx/export': ['b'], onnx: ['c'], png: ['d'] })), []);
  });

  test('file:, link: and workspace: ranges cannot be published', () => {
    const m = { ...manifest, dependencies: { flatbuffers: 'file:../fb', '@hypertx/export': 'workspace:*' } };
    const problems = dependencyProblems(m, imports({ flatbuffers: ['a'], '@hypertx/export': ['b'] }));
    assert.equal(problems.length, 2);
  });

  test('internal dependencies must name the sibling’s current version', () => {
    const pkgs = [
      { name: '@hypertx/export', version: '0.2.0', manifest: { dependencies: {} } },
      { name: '@hypertx/cli', version: '0.1.0', manifest: { dependencies: { '@hypertx/export': '0.1.0' } } },
    ];
    assert.deepEqual(internalVersionProblems(pkgs), ['@hypertx/cli: dependencies["@hypertx/export"] is "0.1.0" but the workspace has @hypertx/export@0.2.0']);
    pkgs[1].manifest.dependencies['@hypertx/export'] = '0.2.0';
    assert.deepEqual(internalVersionProblems(pkgs), []);
  });
});

describe('changeset files', () => {
  const names = ['@hypertx/export', '@hypertx/cli'];

  test('a well-formed changeset passes', () => {
    const c = parseChangeset('a.md', '---\n"@hypertx/export": minor\n"@hypertx/cli": patch\n---\n\nNew things.\n');
    assert.deepEqual(c.releases, [{ name: '@hypertx/export', type: 'minor' }, { name: '@hypertx/cli', type: 'patch' }]);
    assert.deepEqual(changesetProblems([c], names), []);
  });

  test('unknown package, unknown bump, no summary, no front matter', () => {
    const problems = changesetProblems(
      [
        parseChangeset('a.md', '---\n"@hypertx/exports": minor\n---\n\nTypo in the name.\n'),
        parseChangeset('b.md', '---\n"@hypertx/cli": feature\n---\n\nWrong bump.\n'),
        parseChangeset('c.md', '---\n"@hypertx/cli": patch\n---\n'),
        parseChangeset('d.md', 'Just text.\n'),
      ],
      names,
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0], /a\.md: "@hypertx\/exports" is not a workspace package/);
    assert.match(problems[1], /b\.md: .*"feature" is not patch, minor or major/);
    assert.match(problems[2], /c\.md: no summary/);
    assert.match(problems[3], /d\.md: no front matter/);
  });
});
