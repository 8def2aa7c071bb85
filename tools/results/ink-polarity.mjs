#!/usr/bin/env node
/**
 * Issue 6.2, measured on real characters: do files compiled from dark-on-light support sets (a pen
 * on paper) classify as well as files compiled from light-on-dark ones (the training convention)?
 *
 * Each episode takes held-out Omniglot characters at their original 105×105 resolution and renders
 * every drawing twice, as PNG files a user would have:
 *   light: grayscale, white ink on black;
 *   dark:  RGB, blue-black ink on off-white paper (paper and ink colours vary per episode, with a
 *          little sensor noise, like phone photos of paper).
 * Both support folders go through the pipeline's compile (what `hypertx compile` runs: ink auto-detected,
 * ONNX verified in onnxruntime-node), and each file is run on RAW query images of its own polarity,
 * so the inversion and levels baked into its input normalisation do all the mapping. Writes both
 * accuracies and their paired difference (95% CIs) to bench/out/ink-polarity.json (not committed);
 * --record writes bench/results/ink-polarity.json, the record docs/cli.md quotes.
 *
 *   node tools/results/ink-polarity.mjs [--episodes 1000] [--ways 5] [--shots 1] [--model default] [--noise 12] [--record | --out file]
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { meanAndCi95 } from '@hypertx/core';
import { createEpisodeSampler, holdOutGroups, loadOmniglot, OMNIGLOT_VALIDATION_ALPHABETS, Random } from '@hypertx/data';
import { compile, loadModel, verifyModelFile, writeCompiled } from '@hypertx/pipeline';
import { OUTPUT_OPTIONS, machineRecord, outputPath, writeOutput } from '../bench-output.mjs';
import { OMNIGLOT_DATA_OPTION, parseToolArgs } from '../tool-args.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseToolArgs(import.meta.url, {
  options: {
    model: { type: 'string', default: 'default' },
    data: OMNIGLOT_DATA_OPTION,
    episodes: { type: 'string', default: '1000' },
    ways: { type: 'string', default: '5' },
    shots: { type: 'string', default: '1' },
    queries: { type: 'string', default: '5' },
    seed: { type: 'string', default: '61' },
    // Peak-to-peak sensor noise added to the dark images, in grey levels.
    noise: { type: 'string', default: '12' },
    ...OUTPUT_OPTIONS,
  },
});
const model = await loadModel(values.model, { backend: 'wasm' });
const modelFile = model.path;
const modelSha256 = createHash('sha256').update(await readFile(modelFile)).digest('hex');

const episodes = Number(values.episodes);
const ways = Number(values.ways);
const shots = Number(values.shots);
const queries = Number(values.queries);
const SIDE = 105;
const source = holdOutGroups(loadOmniglot(values.data, { variant: '105x105' }), OMNIGLOT_VALIDATION_ALPHABETS).heldOut;
// Raw 0..255 ink maps (255 = ink), no normalisation: this tool draws them.
const sampler = createEpisodeSampler(source, {
  ways,
  shots,
  queries,
  imageSize: SIDE,
  normalization: { scale: [1], offset: [0] },
  seed: Number(values.seed),
});
const random = new Random(Number(values.seed) + 1);

/** A paper/ink pair like a pen on paper under room light. */
function darkStyle() {
  const paper = [230 + random.int(20), 222 + random.int(20), 205 + random.int(25)];
  const ink = [20 + random.int(40), 25 + random.int(40), 60 + random.int(60)];
  return { paper, ink };
}

async function writeImage(file, ink01, style) {
  if (!style) {
    const gray = Buffer.alloc(SIDE * SIDE);
    for (let i = 0; i < gray.length; i++) gray[i] = Math.round(ink01[i] * 255);
    await sharp(gray, { raw: { width: SIDE, height: SIDE, channels: 1 } }).png().toFile(file);
    return;
  }
  const rgb = Buffer.alloc(SIDE * SIDE * 3);
  for (let i = 0; i < SIDE * SIDE; i++) {
    for (let c = 0; c < 3; c++) {
      const v = style.paper[c] + (style.ink[c] - style.paper[c]) * ink01[i] + (random.next() - 0.5) * Number(values.noise);
      rgb[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  await sharp(rgb, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toFile(file);
}

/** Writes `<dir>/<class>/<n>.png` for a batch of images with labels. */
async function writeFolder(dir, batch, labels, style) {
  const per = SIDE * SIDE;
  for (let i = 0; i < batch.count; i++) {
    const classDir = path.join(dir, `class${String(labels[i]).padStart(2, '0')}`);
    await mkdir(classDir, { recursive: true });
    const ink01 = new Float32Array(per);
    for (let p = 0; p < per; p++) ink01[p] = batch.pixels[i * per + p] / 255;
    await writeImage(path.join(classDir, `${i}.png`), ink01, style);
  }
}

/** `hypertx compile <support> -f onnx -o <file>` (ink and levels auto; a verification mismatch throws), with the model loaded once. */
async function compileOnnx(supportDir, file) {
  const result = await compile(supportDir, { model, formats: ['onnx'], ink: 'auto', levels: 'auto', verify: true, atol: 1e-4 });
  await writeCompiled(result.formats, { output: file });
}

const work = await mkdtemp(path.join(os.tmpdir(), 'hypertx-ink-'));
const accuracies = { light: [], dark: [] };
const detected = { light: {}, dark: {} };
const t0 = performance.now();
try {
  for (let e = 0; e < episodes; e++) {
    const episode = sampler.next();
    const style = darkStyle();
    for (const polarity of ['light', 'dark']) {
      const dir = path.join(work, `${e}`, polarity);
      await writeFolder(path.join(dir, 'support'), episode.support, episode.supportLabels, polarity === 'dark' ? style : null);
      await writeFolder(path.join(dir, 'query'), episode.query, episode.queryLabels, polarity === 'dark' ? style : null);
      const file = path.join(dir, 'model.onnx');
      await compileOnnx(path.join(dir, 'support'), file);
      const result = await verifyModelFile(file, { support: path.join(dir, 'query') });
      accuracies[polarity].push(result.supportAccuracy);
      const sign = result.normalization.scale.every((s) => s < 0) ? 'inverted' : 'as-is';
      detected[polarity][sign] = (detected[polarity][sign] ?? 0) + 1;
    }
    await rm(path.join(work, `${e}`), { recursive: true, force: true });
    if ((e + 1) % 50 === 0 || e + 1 === episodes) {
      const l = meanAndCi95(accuracies.light);
      const d = meanAndCi95(accuracies.dark);
      console.error(
        `${e + 1}/${episodes}  light ${(l.mean * 100).toFixed(2)} ± ${(l.ci95 * 100).toFixed(2)}  dark ${(d.mean * 100).toFixed(2)} ± ${(d.ci95 * 100).toFixed(2)}  ` +
          `${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const light = meanAndCi95(accuracies.light);
const dark = meanAndCi95(accuracies.dark);
const diff = meanAndCi95(accuracies.dark.map((a, i) => a - accuracies.light[i]));
const out = {
  benchmark: 'ink-polarity',
  date: new Date().toISOString(),
  machine: machineRecord(),
  model: values.model,
  modelFile: path.relative(root, modelFile),
  modelSha256,
  setting:
    `${ways}-way ${shots}-shot, ${queries} queries per class, held-out alphabets ${OMNIGLOT_VALIDATION_ALPHABETS.join(', ')}; ` +
    'original 105×105 drawings written as PNG: light = white ink on black (grayscale), dark = blue-black ink on off-white paper (RGB, noise); ' +
    '`hypertx compile -f onnx` (ink auto) per support folder, the file run in onnxruntime-node on raw query PNGs of the same polarity',
  episodes,
  light: { mean: light.mean, ci95: light.ci95 },
  dark: { mean: dark.mean, ci95: dark.ci95 },
  darkMinusLight: diff,
  inputMapping: detected,
  darkImageNoise: Number(values.noise),
  seconds: Math.round((performance.now() - t0) / 1000),
};
console.error(`dark − light: ${(diff.mean * 100).toFixed(2)} ± ${(diff.ci95 * 100).toFixed(2)} points`);
await writeOutput(outputPath('ink-polarity.json', values), JSON.stringify(out, null, 2) + '\n');
