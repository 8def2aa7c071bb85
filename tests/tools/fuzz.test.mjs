// The fuzz harness (tools/fuzz.mjs): its pool's time and memory bounds, its mutations, its
// classification, and a short seeded run against the hypertx in this checkout, which must find no
// bug (no exit 1, crash, hang, run over 1 GB, stack trace, control characters or partial output).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TARGETS } from '../../tools/fuzz/cases.mjs';
import { anyByteMutation, chunk, setWord, truncate } from '../../tools/fuzz/bytes.mjs';
import { brokenChecks, errorShape, outcomeOf } from '../../tools/fuzz/classify.mjs';
import { encodeSafetensors, mutateSafetensors, parseSafetensors, scanFields } from '../../tools/fuzz/containers.mjs';
import { allPaths, mutateJson, mutateJsonLines, stringifyWithRaw } from '../../tools/fuzz/json.mjs';
import { runPool } from '../../tools/fuzz/pool.mjs';
import { caseSeed, createRng } from '../../tools/fuzz/rng.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fakeRunner = path.join(root, 'tests/tools/fuzz-support/fake-runner.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hypertx-fuzz-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs argv lists through a pool of fake runners; resolves to the raw outcomes in case order. */
async function runFake(argvs, options = {}) {
  const outcomes = [];
  await runPool({
    count: argvs.length,
    jobs: 1,
    runner: fakeRunner,
    makeSpec: async (i) => ({ id: i, argv: argvs[i], cwd: tmp }),
    onOutcome: async (spec, raw) => void (outcomes[spec.id] = raw),
    ...options,
  });
  return outcomes;
}

describe('fuzz pool', () => {
  test('a case that never answers is a hang; its runner is replaced and the next case runs', async () => {
    const [hang, next] = await runFake([['hang'], ['ok', '3']], { timeoutMs: 1000 });
    assert.equal(outcomeOf(hang), 'hang');
    assert.equal(next.kind, 'result');
    assert.equal(outcomeOf(next), 'input');
    assert.equal(next.stdout, 'ran ok');
  });

  test('a runner that exits during a case is that case\'s crash', async () => {
    const [died, next] = await runFake([['exit', '7'], ['ok', '0']]);
    assert.equal(died.kind, 'died');
    assert.equal(died.exitCode, 7);
    assert.equal(outcomeOf(died), 'crash');
    assert.equal(outcomeOf(next), 'ok');
  });

  test('a runner whose resident set passes the kill limit is killed and the case is over the memory bound', async () => {
    const [grown] = await runFake([['grow', '400']], { killRssBytes: 200 * 2 ** 20, timeoutMs: 20_000 });
    assert.equal(grown.kind, 'memory');
    assert.equal(outcomeOf(grown), 'over-1GB');
  });
});

describe('fuzz mutations', () => {
  test('the same seed and case index give the same mutation; other indices differ', () => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff);
    const once = (i) => anyByteMutation(bytes, createRng(caseSeed(5, i)));
    assert.deepEqual(once(3), once(3));
    const distinct = new Set(Array.from({ length: 20 }, (_, i) => once(i).what));
    assert.ok(distinct.size > 10, [...distinct].join('\n'));
  });

  test('byte mutations change the bytes and say how', () => {
    const bytes = new Uint8Array(1024).fill(0x41);
    const rng = createRng(1);
    for (const m of [truncate, chunk, setWord]) {
      for (let i = 0; i < 20; i++) {
        const out = m(bytes, rng);
        assert.ok(out.what.length > 5);
        assert.ok(out.bytes.length !== bytes.length || out.bytes.some((b, j) => b !== bytes[j]) || /→ 1094795585$/.test(out.what), `${m.name}: ${out.what}`);
      }
    }
  });

  test('JSON mutations replace one value and can write what JSON.stringify cannot', () => {
    const doc = { a: { b: [1, 2, 3], c: 'x' }, d: 4 };
    const rng = createRng(9);
    const texts = Array.from({ length: 300 }, () => mutateJson(doc, rng));
    assert.ok(texts.some((t) => /NaN|Infinity|1e999/.test(t.text)), 'non-finite numbers');
    assert.ok(texts.some((t) => t.text.includes('[[[[[[')), 'deep nesting');
    assert.ok(texts.some((t) => t.text.includes('\\u001b')), 'control characters');
    assert.ok(texts.some((t) => /^deleted /.test(t.what)), 'missing keys');
    assert.deepEqual(doc, { a: { b: [1, 2, 3], c: 'x' }, d: 4 }, 'the input is left alone');
    assert.equal(stringifyWithRaw({ x: { __raw: 'NaN' } }), '{"x":NaN}');
    assert.equal(allPaths(doc).length, 8);
  });

  test('a structured header mutation keeps a container whose length field is right', () => {
    const header = JSON.stringify({ format: 'hypertx-cnn', version: 1, model: { labels: ['a'] }, tensors: { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } } });
    const file = encodeSafetensors(header, new Uint8Array(8).fill(1));
    assert.deepEqual(parseSafetensors(file).header.tensors.t.shape, [2]);
    const rng = createRng(2);
    let structured = 0;
    for (let i = 0; i < 200; i++) {
      const m = mutateSafetensors(file, rng);
      if (!['header-json', 'tensor-table', 'config-values', 'header-text'].includes(m.mutation)) continue;
      structured++;
      const length = Number(new DataView(m.bytes.buffer).getBigUint64(0, true));
      assert.equal((8 + length) % 8, 0, m.what);
      assert.deepEqual([...m.bytes.subarray(8 + length)], [...new Uint8Array(8).fill(1)], `data section kept: ${m.what}`);
    }
    assert.ok(structured > 50);
  });

  test('a torn training log loses the end of its last line', () => {
    const log = '{"type":"train","step":2}\n{"type":"validation","step":2}\n';
    const rng = createRng(4);
    const torn = Array.from({ length: 50 }, () => mutateJsonLines(log, rng)).find((m) => m.mutation === 'torn-line');
    assert.ok(torn);
    assert.ok(torn.text.startsWith('{"type":"train","step":2}\n'));
    assert.ok(!torn.text.endsWith('}'));
  });

  test('the protobuf scanner finds fields and their lengths', () => {
    // field 1 varint 150, field 2 bytes "hi", field 14 bytes (a message with field 1 "k")
    const bytes = Uint8Array.from([0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69, 0x72, 0x03, 0x0a, 0x01, 0x6b]);
    const fields = scanFields(bytes);
    assert.deepEqual(fields.map((f) => [f.field, f.wire, f.end - f.dataStart]), [[1, 0, 2], [2, 2, 2], [14, 2, 3]]);
    assert.deepEqual(scanFields(bytes, fields[2].dataStart, fields[2].end).map((f) => f.field), [1]);
  });
});

describe('fuzz classification', () => {
  const result = (code, stdout = '', stderr = '') => ({ kind: 'result', code, stdout, stderr, maxRssBytes: 1, baselineMaxRssBytes: 0 });

  test('exit codes, hangs, deaths and heap exhaustion map to outcomes', () => {
    assert.equal(outcomeOf(result(0)), 'ok');
    assert.equal(outcomeOf(result(3)), 'input');
    assert.equal(outcomeOf(result(1)), 'exit-1');
    assert.equal(outcomeOf(result(130)), 'exit-130');
    assert.equal(outcomeOf({ ...result(3), crash: 'unhandled rejection: x' }), 'crash');
    assert.equal(outcomeOf({ kind: 'died', signal: 'SIGABRT', stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed' }), 'over-1GB');
    assert.equal(outcomeOf({ kind: 'died', signal: 'SIGSEGV', stderrTail: '' }), 'crash');
  });

  test('stack traces, control characters, memory, leftovers and partial outputs are broken checks', async () => {
    const dir = path.join(tmp, 'case');
    const out = path.join(dir, 'out');
    mkdirSync(out, { recursive: true });
    const spec = { dir, outputDir: out };
    assert.deepEqual(await brokenChecks(spec, result(3, '', 'error bad file\nhint  use another\n'), { memoryLimitBytes: 100 }), []);
    const trace = await brokenChecks(spec, result(1, '', 'TypeError: x\n    at f (file:///a.js:1:2)\n'), { memoryLimitBytes: 100 });
    assert.deepEqual(trace.map((b) => b.check), ['stack-trace']);
    const escape = await brokenChecks(spec, result(0, 'labels \u001b[2J'), { memoryLimitBytes: 100 });
    assert.deepEqual(escape.map((b) => b.check), ['control-chars']);
    const big = await brokenChecks(spec, { ...result(0), maxRssBytes: 200 }, { memoryLimitBytes: 100 });
    assert.deepEqual(big.map((b) => b.check), ['over-1GB']);
    writeFileSync(path.join(out, '.model.onnx.123.abc.tmp'), 'half');
    const left = await brokenChecks(spec, result(3), { memoryLimitBytes: 100 });
    assert.deepEqual(left.map((b) => b.check), ['leftover-temp', 'partial-output']);
  });

  test('failures group by the shape of their first error line', () => {
    assert.equal(
      errorShape({ stderr: 'internal error Unexpected token at position 12 in /tmp/a/b.json\nhint x' }),
      errorShape({ stderr: 'internal error Unexpected token at position 345 in /work/c.json\n' }),
    );
  });
});

describe('seeded fuzz run', () => {
  // A few hundred cases against this checkout's hypertx: the quick version of `npm run fuzz`.
  let report;
  const reportFile = path.join(tmp, 'fuzz.json');
  // Failing examples stay where they can be looked at (and run again: see each case.json) after the test.
  const casesDir = path.join(root, 'bench/out/fuzz-test-cases');
  const run = () => {
    if (report) return report;
    const r = spawnSync(
      process.execPath,
      ['tools/fuzz.mjs', '--seed', '1', '--cases', '300', '--jobs', '2', '--timeout', '60', '-q', '--out', reportFile, '--work-dir', path.join(tmp, 'work'), '--cases-dir', casesDir],
      { cwd: root, encoding: 'utf8' },
    );
    assert.ok(r.status === 0 || r.status === 1, `fuzz.mjs exited ${r.status}: ${r.stderr}`);
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
    return report;
  };
  const describeFindings = (findings) => findings.map((f) => `${f.count} × ${f.signature}\n    e.g. ${f.examples[0]?.what ?? ''}: ${f.examples[0]?.commandLine ?? 'not saved'}`).join('\n');

  test('every target and command ran', () => {
    const r = run();
    assert.equal(r.cases, 300);
    assert.deepEqual(Object.keys(r.counts).sort(), Object.keys(TARGETS).sort());
    for (const [target, spec] of Object.entries(TARGETS)) assert.deepEqual(Object.keys(r.counts[target]).sort(), Object.keys(spec.commands).sort(), target);
    assert.ok(r.seed === 1 && r.node && r.loadAverage && r.durationS > 0);
  });

  test('no exit 1, crash, hang or run over 1 GB', () => {
    const bugs = run().findings.filter((f) => ['exit-1', 'crash', 'hang', 'over-1GB'].includes(f.problem) || /^exit-/.test(f.problem));
    assert.equal(bugs.length, 0, `\n${describeFindings(bugs)}`);
  });

  test('no stack trace, raw control characters, leftover temporary file or partial output', () => {
    const broken = run().findings.filter((f) => ['stack-trace', 'control-chars', 'leftover-temp', 'partial-output'].includes(f.problem));
    assert.equal(broken.length, 0, `\n${describeFindings(broken)}`);
  });
});
