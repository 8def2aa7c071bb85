// Running a benchmark or result script leaves `git status` clean: scripts write into bench/out/
// (ignored) by default and update the committed record (bench/results/, docs/ plots) only with
// --record, which each documents in its --help.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OUT_DIR, RECORD_DIR, outputPath } from '../../tools/bench-output.mjs';
import { headerComment } from '../../tools/tool-args.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
const dirs = ['tools', 'tools/results', ...readdirSync(path.join(root, 'packages')).map((p) => `packages/${p}/bench`)].filter((d) => existsSync(path.join(root, d)));
const scripts = dirs.flatMap((d) => readdirSync(path.join(root, d)).filter((f) => f.endsWith('.mjs')).map((f) => `${d}/${f}`));
const source = (file) => readFileSync(path.join(root, file), 'utf8');
/** Scripts that write a result the docs quote: they name bench/results or docs/ and write files. */
const writers = scripts.filter((f) => {
  const text = source(f);
  return text.startsWith('#!') && /bench\/results|docs\//.test(text) && /\b(writeOutput|writeFile|writeFileSync|writeFileAtomic)\(/.test(text);
});

describe('benchmark and result scripts', () => {
  test('the list of result writers covers the benches', () => {
    for (const f of ['tools/bench-cli.mjs', 'tools/bench-edge.mjs', 'packages/export-tflite/bench/int8-error-budget.mjs', 'tools/results/plot-results.mjs']) {
      assert.ok(writers.includes(f), `${f} is not recognised as a result writer: ${writers.join(', ')}`);
    }
  });

  for (const file of writers) {
    test(`${file}: takes --record, and its --help says where output goes without it`, () => {
      const text = source(file);
      assert.match(text, /\brecord: \{ type: 'boolean'|\bOUTPUT_OPTIONS\b/, 'a --record option');
      const help = headerComment(path.join(root, file));
      assert.match(help, /--record/, '--help documents --record');
      assert.match(help, /bench\/out\//, '--help says the default output is bench/out/');
    });
  }

  test('outputPath: bench/out by default, the record with --record, --out as given', () => {
    assert.equal(outputPath('x.json', {}), path.join(OUT_DIR, 'x.json'));
    assert.equal(outputPath('x.json', { record: true }), path.join(RECORD_DIR, 'x.json'));
    assert.equal(outputPath('x.json', { record: true, out: 'elsewhere/y.json' }), path.resolve('elsewhere/y.json'));
    assert.equal(path.relative(root, OUT_DIR), path.join('bench', 'out'));
  });

  test('bench/out/ is ignored by git', () => {
    const r = git('check-ignore', '-q', 'bench/out/edge.json');
    assert.equal(r.status, 0, 'bench/out/ must be in .gitignore');
  });

  test('a result script run without --record leaves bench/results and docs untouched', () => {
    const before = git('status', '--porcelain', '--', 'bench/results', 'docs').stdout;
    // extrapolate.mjs with no runs re-writes its merged results: quick, and a merge script (the hardest case).
    const run = spawnSync(process.execPath, ['tools/results/extrapolate.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /wrote bench\/out\/extrapolation\.json \(not committed/);
    assert.ok(existsSync(path.join(OUT_DIR, 'extrapolation.json')));
    const merged = JSON.parse(readFileSync(path.join(OUT_DIR, 'extrapolation.json'), 'utf8'));
    const recorded = JSON.parse(readFileSync(path.join(RECORD_DIR, 'extrapolation.json'), 'utf8'));
    assert.deepEqual(Object.keys(merged.results).sort(), Object.keys(recorded.results).sort(), 'a scratch run starts from the committed record');
    assert.equal(git('status', '--porcelain', '--', 'bench/results', 'docs').stdout, before);
  });
});
