/**
 * The CLI's rendering boundary: whatever a file, folder name or user put in a string reaches the
 * terminal escaped (inspect's renderers, the progress reporter, error reports), and `--json` error
 * output keeps the exact text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HypertxError } from '@hypertx/export';
import type { HyperTransformerFileSummary, ModelFileSummary } from '@hypertx/pipeline';
import { render, renderHyperTransformer } from './commands/inspect.js';
import { createReporter } from './progress.js';
import { reportError } from './report-error.js';

const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u202e\nsecond line\x9b';
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/;

/**
 * The colours picocolors writes (it colours when CI is set or on a TTY): escape sequences of ours,
 * not of a file; none of them is in HOSTILE, so removing them hides nothing the tests look for.
 */
const OUR_COLOURS = /\x1b\[(?:1|2|22|31|32|33|39)m/g;

/** What `write` received on stdout and stderr while `run` ran (synchronously), our colours removed. */
function capture(run: () => void): { stdout: string; stderr: string } {
  const seen = { stdout: '', stderr: '' };
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((s: string) => ((seen.stdout += s.replace(OUR_COLOURS, '')), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((seen.stderr += s.replace(OUR_COLOURS, '')), true)) as typeof process.stderr.write;
  try {
    run();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return seen;
}

/** Every line ends where the renderer meant it to: none holds a raw control character. */
function assertSafeLines(rendered: string, expectedLines: number): void {
  const text = rendered.replace(OUR_COLOURS, '');
  assert.doesNotMatch(text, RAW_CONTROL, JSON.stringify(text));
  assert.equal(text.trimEnd().split('\n').length, expectedLines, text);
}

describe('inspect renderers', () => {
  it('a compiled model: labels, producer, names, details and warnings are escaped, one line each', () => {
    const summary: ModelFileSummary = {
      path: `m${HOSTILE}.onnx`,
      format: 'onnx',
      bytes: 100,
      metadata: {
        format: 1,
        producer: `p${HOSTILE}`,
        version: `v${HOSTILE}`,
        labels: [`a${HOSTILE}`, 'b'],
        input: { height: 2, width: 2, channels: 1, normalization: { scale: [1], offset: [0], description: `d${HOSTILE}` } },
        modelId: `id${HOSTILE}`,
        supportSetHash: `h${HOSTILE}`,
      },
      inputs: [{ name: `pixels${HOSTILE}`, shape: ['N', 2, 2, 1], type: 'float32' }],
      outputs: [{ name: 'probabilities', shape: ['N', 2], type: 'float32' }],
      operators: { [`Op${HOSTILE}`]: 1 },
      parameters: 3,
      details: { producer: `onnx${HOSTILE}` },
      warnings: [`odd ${HOSTILE}`],
    };
    const text = render(summary);
    assertSafeLines(text, 10);
    assert.ok(text.includes('a\\u001b]0;pwned\\u0007\\u001b[2J\\u202e\\nsecond line\\u009b, b'), text);
  });

  it('a HyperTransformer: path, accepts and training metadata are escaped', () => {
    const summary: HyperTransformerFileSummary = {
      path: `x${HOSTILE}.hxmodel`,
      format: 'hxmodel',
      bytes: 10,
      kind: 'hypertransformer',
      image: { height: 28, width: 28, channels: 1 },
      cnn: { layers: 4, channels: 8, kernelSize: 3, generatedConvLayers: 4, logits: 'generated' },
      accepts: `2–5 classes${HOSTILE}`,
      parameters: 1,
      supportShifts: 0,
      step: 0,
      resumable: false,
      metadata: { [`recipe${HOSTILE}`]: `name${HOSTILE}` },
    };
    assertSafeLines(renderHyperTransformer(summary), 8);
  });
});

describe('progress reporter', () => {
  it('escapes step, done and warning messages', () => {
    const { stderr } = capture(() => {
      const reporter = createReporter({ quiet: false });
      reporter.step(`Loading model ${HOSTILE}`);
      reporter.done(`wrote ${HOSTILE}`);
      reporter.warn(`recipe ${HOSTILE}`);
    });
    assertSafeLines(stderr, 3);
  });
});

describe('error reports', () => {
  const error = new HypertxError('E_TEST', `bad label ${HOSTILE}`, { kind: 'input', hint: `rename ${HOSTILE}` });

  it('escape the message and hint on stderr', () => {
    const { stdout, stderr } = capture(() => assert.equal(reportError(error, { json: false }), 3));
    assert.equal(stdout, '');
    assertSafeLines(stderr, 2);
  });

  it('keep the exact message and hint in --json output', () => {
    const { stdout, stderr } = capture(() => reportError(error, { json: true }));
    const json = JSON.parse(stdout) as { error: { message: string; hint: string } };
    assert.equal(json.error.message, `bad label ${HOSTILE}`);
    assert.equal(json.error.hint, `rename ${HOSTILE}`);
    assert.doesNotMatch(stdout, RAW_CONTROL, 'the JSON holds the exact text as escapes, not raw');
    assertSafeLines(stderr, 2);
  });

  it('escape an unexpected error too', () => {
    const { stderr } = capture(() => reportError(new Error(`boom ${HOSTILE}`), { json: false }));
    assert.doesNotMatch(stderr, RAW_CONTROL);
  });
});
