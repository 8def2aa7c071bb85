#!/usr/bin/env node
/**
 * Packs what tools/gpu/run.sh needs on a GPU machine that has neither network nor Node into one
 * tar.xz (the device machine accepts at most 64 MiB of carried files):
 *
 *   node/bin/node                 this machine's Node binary (linux-x64)
 *   packages/{core,export}/       package.json + dist (built: run `npx tsc -b packages/core` first)
 *   node_modules/...              only the files a training run loads (traced below), the webgpu
 *                                 package with the linux-x64 dawn.node alone, the wasm binaries
 *   vulkan/libvulkan.so.1         a Vulkan loader, used only where the machine has none
 *
 *   node tools/gpu/pack.mjs [--gzip] [--out out/gpu/hypertx-gpu.tar.xz]
 *
 * xz (-9) makes about 29 MiB; --gzip about 48 MiB, for a machine without xz or python3.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({ options: { gzip: { type: 'boolean', default: false }, out: { type: 'string' } } });
args.out ??= join(root, 'out/gpu', args.gzip ? 'hypertx-gpu.tar.gz' : 'hypertx-gpu.tar.xz');
const LIMIT = 64 * 1024 * 1024;
/** Where a Vulkan loader may be found on the packing machine (Debian's libvulkan1, or chromium's copy). */
const VULKAN_LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/chromium/libvulkan.so.1'];

for (const pkg of ['core', 'export']) {
  if (!existsSync(join(root, 'packages', pkg, 'dist/index.js'))) throw new Error(`packages/${pkg}/dist is missing: run npx tsc -b packages/core first`);
}

// 1. Trace: every CommonJS file a short training run and the parity/bench imports load.
const traceFile = join(mkdtempSync(join(tmpdir(), 'hypertx-pack-')), 'files.json');
execFileSync(process.execPath, [join(root, 'tools/gpu/trace-touch.mjs'), traceFile], { stdio: 'inherit' });
const traced = JSON.parse(readFileSync(traceFile, 'utf8')).filter((f) => f.includes('/node_modules/'));

// 2. Stage.
const stage = mkdtempSync(join(tmpdir(), 'hypertx-gpu-'));
const copy = (from, to = relative(root, from)) => {
  mkdirSync(dirname(join(stage, to)), { recursive: true });
  cpSync(from, join(stage, to), { recursive: true, dereference: true });
};
copy(process.execPath, 'node/bin/node');
for (const pkg of ['core', 'export']) {
  copy(join(root, 'packages', pkg, 'package.json'));
  copy(join(root, 'packages', pkg, 'dist'));
  mkdirSync(join(stage, 'node_modules/@hypertx'), { recursive: true });
  symlinkSync(`../../packages/${pkg}`, join(stage, 'node_modules/@hypertx', pkg));
}
const realRoot = (f) => f.replace(/^.*?\/node_modules\//, 'node_modules/');
const packageRoots = new Set();
for (const file of traced) {
  const rel = realRoot(file);
  copy(file, rel);
  const m = /^(node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(rel);
  if (m) packageRoots.add(m[1]);
}
for (const pkgRoot of packageRoots) copy(join(root, pkgRoot, 'package.json'), `${pkgRoot}/package.json`);
for (const f of ['index.js', 'package.json', 'dist/linux-x64/dawn.node']) copy(join(root, 'node_modules/webgpu', f), `node_modules/webgpu/${f}`);
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  const from = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist', f);
  if (existsSync(from)) copy(from, `node_modules/@tensorflow/tfjs-backend-wasm/dist/${f}`);
}
const loader = VULKAN_LOADERS.find((p) => existsSync(p));
if (loader) copy(loader, 'vulkan/libvulkan.so.1');
else console.error(`no Vulkan loader found here (${VULKAN_LOADERS.join(', ')}): the GPU machine must have its own`);
writeFileSync(join(stage, 'MANIFEST.json'), JSON.stringify({ packedAt: new Date().toISOString(), node: process.version, vulkanLoader: loader ?? null, tracedFiles: traced.length }, null, 2));

// 3. Compress (xz -9: the Node binary shrinks about 4×, gzip about 3×).
mkdirSync(dirname(args.out), { recursive: true });
execFileSync('tar', ['-C', stage, '-cf', args.out, '-I', args.gzip ? 'gzip -9' : 'xz -9 -T0', '.'], { stdio: 'inherit' });
rmSync(stage, { recursive: true, force: true });
const size = statSync(args.out).size;
console.log(JSON.stringify({ out: args.out, bytes: size, mib: Math.round((size / 2 ** 20) * 10) / 10, limitMib: 64, tracedFiles: traced.length }));
if (size > LIMIT - 4 * 2 ** 20) {
  console.error(`${args.out} is ${size} bytes: too close to the 64 MiB carry limit (the working tree travels too)`);
  process.exit(1);
}
