/**
 * What the fuzzer runs: targets (a kind of input file), each with its seeds, its mutations and the
 * commands that read it. `buildCase(index)` is a pure function of (run seed, index, corpus): it
 * writes the mutated input into the case's own folder and returns the command line to run and
 * what to check afterwards.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm as rmFile, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { anyByteMutation } from './bytes.mjs';
import { mutateCArray, mutateOnnx, mutatePng, mutateSafetensors, mutateTflite } from './containers.mjs';
import { copyRun } from './corpus.mjs';
import { damageJsonText, mutateJson, mutateJsonLines } from './json.mjs';
import { caseSeed, createRng } from './rng.mjs';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function mutateRecipe(bytes, rng) {
  const text = decoder.decode(bytes);
  const kind = rng.weighted([[7, 'recipe-json'], [2, 'json-text'], [1, 'bytes']]);
  if (kind === 'recipe-json') {
    const m = mutateJson(JSON.parse(text), rng);
    return { mutation: kind, bytes: encoder.encode(m.text), what: m.what };
  }
  if (kind === 'json-text') {
    const m = damageJsonText(text, rng);
    return { mutation: kind, bytes: encoder.encode(m.text), what: m.what };
  }
  return { mutation: 'bytes', ...anyByteMutation(bytes, rng) };
}

function mutateLog(bytes, rng) {
  if (rng.chance(0.15)) return { mutation: 'bytes', ...anyByteMutation(bytes, rng) };
  const m = mutateJsonLines(decoder.decode(bytes), rng);
  return { mutation: m.mutation, bytes: encoder.encode(m.text), what: m.what };
}

function mutateImage(bytes, rng, seedFile) {
  if (seedFile.endsWith('.png')) return mutatePng(bytes, rng);
  return { mutation: 'bytes', ...anyByteMutation(bytes, rng) };
}

/** Formats a compile writes, weighted towards the quick ones. */
const COMPILE_FORMATS = [[4, 'hxcnn'], [2, 'onnx'], [2, 'tflite'], [1, 'tflite-int8'], [1, 'c-array'], [1, 'onnx,tflite,hxcnn']];

/**
 * The commands, by name: `(ctx) → { argv, outputDir?, runDir? }`. ctx: the corpus, the case's
 * folder, the mutated file, the rng.
 */
const COMMANDS = {
  inspect: ({ file, rng }) => ({ argv: ['inspect', file, ...(rng.chance(0.4) ? ['--json'] : [])] }),
  verify: ({ file, corpus, rng }) => ({ argv: ['verify', file, '-s', corpus.support, ...(rng.chance(0.4) ? ['--json'] : [])] }),
  'verify-reference': ({ file, corpus }) => ({ argv: ['verify', corpus.onnx, '-s', corpus.support, '-r', file] }),
  'compile-model': ({ file, corpus, dir, rng }) => {
    const out = path.join(dir, 'out');
    return { argv: ['compile', corpus.support, '-q', '-m', file, '-f', rng.weighted(COMPILE_FORMATS), '-o', out + path.sep], outputDir: out };
  },
  'compile-images': ({ supportDir, dir, rng }) => {
    const out = path.join(dir, 'out');
    return { argv: ['compile', supportDir, '-q', '-f', rng.weighted(COMPILE_FORMATS), '-o', out + path.sep, ...(rng.chance(0.3) ? ['--json'] : [])], outputDir: out };
  },
  'verify-images': ({ supportDir, corpus, rng }) => ({ argv: ['verify', rng.pick([corpus.onnx, corpus.tflite, corpus.hxcnn]), '-s', supportDir] }),
  'train-resume': ({ runDir, corpus }) => ({ argv: ['train', '-q', '--resume', '--data', corpus.data, '--checkpoint-dir', runDir, '--steps', '3', '--backend', 'cpu'], runDir }),
  'train-config': ({ file, dir, corpus }) => {
    const runDir = path.join(dir, 'run');
    return { argv: ['train', '-q', '-c', file, '--data', corpus.data, '--checkpoint-dir', runDir, '--steps', '1', '--backend', 'cpu'], runDir };
  },
};

/**
 * Files that are not regular files, or are far too large: put where the damaged file would go, in
 * a small share of the cases. A FIFO blocks a reader that opens it without checking; /dev/zero
 * never ends; a sparse file claims gigabytes it does not occupy on disk.
 */
export const SPECIAL_FILES = {
  fifo: (file) => {
    const r = spawnSync('mkfifo', [file]);
    if (r.status !== 0) throw new Error(`mkfifo ${file} failed: ${r.stderr}`);
  },
  directory: (file) => mkdir(file),
  'dev-zero': (file) => symlink('/dev/zero', file),
  'sparse-3GiB': async (file) => {
    await writeFile(file, '');
    await truncate(file, 3 * 2 ** 30);
  },
  'sparse-1.5GiB': async (file) => {
    await writeFile(file, '');
    await truncate(file, 1.5 * 2 ** 30);
  },
  empty: (file) => writeFile(file, ''),
};
/** Share of cases whose input is a special file. */
const SPECIAL_SHARE = 0.02;

/** Writes the damaged input, or a special file in its place. */
async function place(file, m, special) {
  if (special) await SPECIAL_FILES[special](file);
  else await writeFile(file, m.bytes);
}

/**
 * Targets: `seeds(corpus)` lists the valid files, `mutate(bytes, rng, seedFile)` damages one,
 * `place` says where the damaged copy goes (a plain file, a file of a training run, an image of
 * a support set), `commands` which commands read it (command name → weight).
 */
export const TARGETS = {
  hxmodel: { seeds: (c) => c.hxmodels, mutate: mutateSafetensors, place: 'file', ext: '.hxmodel', commands: { inspect: 1, 'compile-model': 1 } },
  hxckpt: { seeds: (c) => [c.hxckpt], mutate: mutateSafetensors, place: 'run:latest.hxckpt', ext: '.hxckpt', commands: { inspect: 1, 'train-resume': 2, 'compile-model': 1 } },
  onnx: { seeds: (c) => [c.onnx], mutate: mutateOnnx, place: 'file', ext: '.onnx', commands: { inspect: 1, verify: 1 } },
  tflite: { seeds: (c) => [c.tflite, c.tfliteInt8], mutate: mutateTflite, place: 'file', ext: '.tflite', commands: { inspect: 1, verify: 1 } },
  hxcnn: { seeds: (c) => [c.hxcnn], mutate: mutateSafetensors, place: 'file', ext: '.hxcnn', commands: { inspect: 1, verify: 1, 'verify-reference': 1 } },
  'c-array': { seeds: (c) => [c.cArray], mutate: mutateCArray, place: 'file', ext: '.cc', commands: { inspect: 1, verify: 1 } },
  recipe: { seeds: (c) => [c.recipe], mutate: mutateRecipe, place: 'run:recipe.json', ext: '.json', commands: { 'train-config': 1, 'train-resume': 1 } },
  'train-log': { seeds: (c) => [c.log], mutate: mutateLog, place: 'run:log.jsonl', ext: '.jsonl', commands: { 'train-resume': 1 } },
  image: { seeds: (c) => [...c.pngs, ...c.pngs, ...c.images], mutate: mutateImage, place: 'support', commands: { 'compile-images': 2, 'verify-images': 1 } },
};

/** The target of case `index`: round-robin over the selected targets, so each gets its share. */
export function targetOf(index, targets) {
  return targets[index % targets.length];
}

/**
 * Builds case `index` under `casesDir`: writes the mutated input and returns
 * `{ id, index, target, command, mutation, what, seedFile, argv, cwd, dir, input, outputDir?, runDir? }`.
 */
export async function buildCase({ seed, index, targets, corpus, casesDir }) {
  const rng = createRng(caseSeed(seed, index));
  const target = targetOf(index, targets);
  const spec = TARGETS[target];
  const seedFile = rng.pick(spec.seeds(corpus));
  const m = spec.mutate(new Uint8Array(await readFile(seedFile)), rng, seedFile);
  const command = rng.weighted(Object.entries(spec.commands).map(([name, w]) => [w, name]));
  const special = rng.chance(SPECIAL_SHARE) ? rng.pick(Object.keys(SPECIAL_FILES)) : undefined;
  if (special) Object.assign(m, { mutation: 'special-file', what: `the file is ${special}` });
  const dir = path.join(casesDir, String(index));
  await mkdir(dir, { recursive: true });

  const ctx = { corpus, dir, rng };
  let input;
  if (spec.place === 'support') {
    // A copy of the fixture support set with one image replaced by the damaged one.
    const supportDir = path.join(dir, 'support');
    const victim = rng.int(corpus.pngs.length);
    for (const [i, png] of corpus.pngs.entries()) {
      const classDir = path.join(supportDir, path.basename(path.dirname(png)));
      await mkdir(classDir, { recursive: true });
      if (i === victim) await place((input = path.join(classDir, `damaged${path.extname(seedFile)}`)), m, special);
      else await copyFile(png, path.join(classDir, path.basename(png)));
    }
    ctx.supportDir = supportDir;
  } else if (spec.place.startsWith('run:') && (command === 'train-resume')) {
    const runDir = path.join(dir, 'run');
    await copyRun(corpus.run, runDir);
    input = path.join(runDir, spec.place.slice('run:'.length));
    await rmFile(input);
    await place(input, m, special);
    ctx.runDir = runDir;
  } else {
    await place((input = path.join(dir, `input${spec.ext}`)), m, special);
    ctx.file = input;
  }
  const built = COMMANDS[command](ctx);
  return {
    id: index,
    index,
    target,
    command,
    mutation: m.mutation,
    what: m.what,
    seedFile,
    cwd: dir,
    dir,
    input,
    ...(special ? { special } : {}),
    ...built,
  };
}
