/**
 * `node backend-parity-main.js [--hardware] [--out FILE]`: runs the webgpu-vs-wasm parity checks
 * (backend-parity.ts) and prints the report as JSON (to FILE too). Exit 0 when every comparison
 * is within tolerance, 1 otherwise. `--hardware`: refuse a software adapter (for real-GPU runs).
 * A child process of its own because Dawn's Vulkan setup (VK_ICD_FILENAMES, LD_LIBRARY_PATH) must
 * be in the environment before the process starts.
 */
import { writeFile } from 'node:fs/promises';
import { currentBackend, initBackend } from '../backend.js';
import { runBackendParity } from './backend-parity.js';

const args = process.argv.slice(2);
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;

const info = await initBackend('webgpu');
if (args.includes('--hardware') && info.adapter?.software) {
  console.error(`a hardware GPU adapter was required, Dawn found only ${JSON.stringify(info.adapter)}`);
  process.exit(1);
}
const report = await runBackendParity('webgpu', 'wasm');
const json = JSON.stringify({ ...report, adapter: currentBackend() && info.adapter }, null, 2);
if (out) await writeFile(out, json + '\n');
console.log(json);
process.exitCode = report.comparisons.every((c) => c.ok) ? 0 : 1;
