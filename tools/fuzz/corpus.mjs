/**
 * The valid inputs the fuzzer mutates, made fresh at the start of every run with the `hypertx`
 * being tested (so they always match its formats):
 *
 * - a compile of the 5-way fixture support set: .onnx, .tflite, int8 .tflite, .hxcnn and a C array
 * - the bundled default model (.hxmodel)
 * - a tiny packed Omniglot-format data set drawn by @hypertx/data's glyph generator (never the real
 *   Omniglot), and a 2-step `hypertx train` on it: a .hxckpt, a .hxmodel, the recipe, the log
 * - the fixture's PNG images, and the same image as JPEG, WebP, GIF and TIFF
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createGlyphSource, renderGlyph } from '@hypertx/data';
import { bundledModelPath } from '@hypertx/pipeline';

export const SUPPORT_FIXTURE = 'fixtures/support/glyphs-5way-1shot';

/** A HyperTransformer small enough that a training step takes milliseconds. */
export function tinyRecipe() {
  return {
    name: 'fuzz-tiny',
    kind: 'hypertransformer',
    model: {
      preset: 'omniglot-1shot',
      overrides: {
        image: { height: 14, width: 14 },
        maxWays: 5,
        cnn: { layers: 2, channels: 4 },
        embeddingDim: 8,
        sharedFeatures: { layers: 2, dim: 8, padding: 'same' },
        localFeatures: { dim: 4 },
        transformer: { layers: 1 },
      },
    },
    data: { validationAlphabets: ['alphabet-03'], rotateClasses: false, rotateEpisodes: false },
    episodes: { ways: [2, 3], shots: [1, 2], unlabeled: [0, 1], queries: 1, perStep: 1 },
    optimizer: { name: 'adam' },
    schedule: { kind: 'constant', lr: 0.001 },
    clipNorm: 5,
    bnMode: 'support',
    steps: 2,
    checkpointEvery: 1,
    validation: { every: 2, episodes: 2, ways: 2, shots: 1, unlabeled: 0, queries: 1, seed: 7 },
  };
}

/** Writes a packed Omniglot-format folder (index.json + images_28x28_u8.bin) of procedural glyphs. */
export async function writeGlyphDataset(dir, { alphabets = 3, characters = 4, drawers = 4 } = {}) {
  const glyphs = createGlyphSource({ seed: 'hypertx-fuzz', alphabets, charactersPerAlphabet: characters, drawers });
  const images = new Uint8Array(glyphs.classes.length * drawers * 784);
  const index = { characters: [], n_images: glyphs.classes.length * drawers };
  glyphs.classes.forEach((c, classIndex) => {
    const records = [];
    for (let d = 0; d < drawers; d++) {
      const record = classIndex * drawers + d;
      const img = renderGlyph(glyphs.drawing(classIndex, d), { height: 28, width: 28 });
      images.set(Uint8Array.from(img, (v) => Math.round(v)), record * 784);
      records.push(record);
    }
    const [alphabet, character] = c.name.split('/');
    index.characters.push({ class: classIndex, alphabet, character, char_id: classIndex, images: records, drawers: records.map((_, d) => d) });
  });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'index.json'), JSON.stringify(index));
  await writeFile(path.join(dir, 'images_28x28_u8.bin'), images);
}

function hypertx(bin, args, cwd) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`making the fuzz corpus: hypertx ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}`);
}

/**
 * Makes the corpus in `dir`; returns the paths of every seed. `bin` is the CLI to run
 * (packages/cli/dist/bin.js). Takes a few seconds.
 */
export async function makeCorpus(dir, { root, bin }) {
  await mkdir(dir, { recursive: true });
  const support = path.join(root, SUPPORT_FIXTURE);
  const compiled = path.join(dir, 'compiled');
  hypertx(bin, ['compile', support, '-q', '-f', 'onnx,tflite,tflite-int8,hxcnn,c-array', '-o', compiled + path.sep], dir);
  const names = await readdir(compiled);
  const find = (re) => path.join(compiled, names.find((n) => re.test(n)));

  const data = path.join(dir, 'glyph-dataset');
  await writeGlyphDataset(data);
  const recipeFile = path.join(dir, 'tiny-recipe.json');
  await writeFile(recipeFile, JSON.stringify(tinyRecipe(), null, 2) + '\n');
  const run = path.join(dir, 'run');
  hypertx(bin, ['train', '-q', '-c', recipeFile, '--data', data, '--checkpoint-dir', run, '--backend', 'cpu'], dir);

  const images = path.join(dir, 'images');
  await mkdir(images, { recursive: true });
  const classes = (await readdir(support)).sort();
  const firstImage = path.join(support, classes[0], (await readdir(path.join(support, classes[0]))).sort()[0]);
  const pngs = [];
  for (const c of classes) {
    for (const f of (await readdir(path.join(support, c))).sort()) pngs.push(path.join(support, c, f));
  }
  const others = [];
  for (const [ext, make] of [
    ['.jpg', (s) => s.jpeg()],
    ['.webp', (s) => s.webp()],
    ['.gif', (s) => s.gif()],
    ['.tiff', (s) => s.tiff()],
  ]) {
    const file = path.join(images, `glyph${ext}`);
    await make(sharp(firstImage)).toFile(file);
    others.push(file);
  }

  const bundled = bundledModelPath('default');
  const corpus = {
    support,
    supportClasses: classes,
    data,
    run,
    onnx: find(/\.onnx$/),
    tflite: find(/^[^_]*\.tflite$/),
    tfliteInt8: find(/_int8\.tflite$/),
    hxcnn: find(/\.hxcnn$/),
    cArray: find(/\.cc$/),
    hxmodels: [bundled, path.join(run, 'best.hxmodel')].filter((f) => f && existsSync(f)),
    hxckpt: path.join(run, 'latest.hxckpt'),
    recipe: path.join(run, 'recipe.json'),
    log: path.join(run, 'log.jsonl'),
    pngs,
    images: others,
  };
  for (const [key, value] of Object.entries(corpus)) {
    for (const f of [value].flat()) if (typeof f === 'string' && path.isAbsolute(f) && !existsSync(f)) throw new Error(`fuzz corpus: ${key} (${f}) was not made`);
  }
  return corpus;
}

/** Copies the files of a training run folder (to damage one of them in a case's copy). */
export async function copyRun(from, to) {
  await mkdir(to, { recursive: true });
  for (const f of await readdir(from)) await copyFile(path.join(from, f), path.join(to, f));
}
