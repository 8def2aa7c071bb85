/**
 * The webgpu backend against wasm on SwiftShader (test-support/swiftshader.ts): losses, gradients,
 * generated weights, training updates and checkpoints across backends (backend-parity.ts). Needs
 * Debian's chromium package; without it the test fails saying so (it never skips).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { ParityReport } from './test-support/backend-parity.js';
import { SWIFTSHADER_MISSING, swiftShaderEnv } from './test-support/swiftshader.js';
import { adapterLabel, describeAdapter } from './webgpu.js';

const MAIN = fileURLToPath(new URL('./test-support/backend-parity-main.js', import.meta.url));

test('webgpu on SwiftShader matches wasm: loss, gradients, generated weights, evaluation, BatchNorm prior (all-layers and logits-only, 1- and 5-shot, unlabelled images), SGD steps, checkpoints resumed across backends', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hypertx-webgpu-'));
  try {
    const env = swiftShaderEnv(process.env, dir);
    const out = join(dir, 'report.json');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN, '--out', out], { env, maxBuffer: 1 << 24 }, (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stderr }));
    });
    const report = JSON.parse(await readFile(out, 'utf8').catch(() => 'null')) as ParityReport | null;
    assert.ok(report, `the parity run wrote no report (exit ${result.code}): ${result.stderr.slice(-2000)}`);
    assert.match(report.candidate, /^webgpu on SwiftShader/);
    assert.equal(report.reference, 'wasm');
    assert.ok(report.comparisons.length >= 51, `${report.comparisons.length} comparisons`);
    const failed = report.comparisons.filter((c) => !c.ok).map((c) => `${c.name}: max |Δ| ${c.maxDiff} of ${c.scale}`);
    assert.deepEqual(failed, [], `beyond the relative tolerance ${report.tolerance}`);
    assert.equal(result.code, 0, result.stderr.slice(-2000));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing SwiftShader is a failure that says what to install', () => {
  assert.throws(() => swiftShaderEnv({ HYPERTX_SWIFTSHADER_ICD: '/nonexistent/vk_swiftshader_icd.json' }, '/tmp'), (e: Error) => e.message.includes('/nonexistent/vk_swiftshader_icd.json') && e.message.includes('apt-get install chromium'));
  assert.match(SWIFTSHADER_MISSING, /apt-get install chromium/);
});

test('adapters: software ones (SwiftShader, llvmpipe, fallback) are told apart from GPUs', () => {
  const swift = describeAdapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true });
  assert.equal(swift.software, true);
  assert.equal(adapterLabel(swift), 'SwiftShader driver 5.0.0 (google swiftshader, software)');
  assert.equal(describeAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software, true);
  const h200 = describeAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' });
  assert.equal(h200.software, false);
  assert.equal(adapterLabel(h200), 'NVIDIA H200 (nvidia hopper)');
});
