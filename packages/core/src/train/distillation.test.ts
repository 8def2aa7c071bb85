import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Episode } from '../episode.js';
import { createHyperTransformer } from '../model/hypertransformer.js';
import { createProtoNet } from '../model/protonet.js';
import { makeSyntheticEpisode } from '../synthetic.js';
import { maxAbsDiff, tinyConfig, useWasm } from '../test-support/tiny.js';
import { tf } from '../tf.js';
import { distillationLoss } from './distillation.js';
import { shardGradientTensor } from './gradient.js';
import { withTeacherLogits } from './teacher.js';
import { Trainer } from './trainer.js';

before(useWasm);

const config = tinyConfig();
// A wider ProtoNet at a larger input size: the episodes are resized for it.
const teacherConfig = tinyConfig({ image: { height: 16, width: 16, channels: 1 }, cnn: { ...tinyConfig().cnn, channels: 8 } });
const episodes = (count: number, seed: number): Episode[] =>
  Array.from({ length: count }, (_, i) => makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, seed: seed + i }));

async function gradientOf(model: ReturnType<typeof createHyperTransformer>, list: Episode[], distillation?: { weight: number; temperature: number }) {
  const r = await shardGradientTensor(model, list, 'support', distillation ? { distillation } : {});
  const gradient = r.gradient.dataSync().slice() as Float32Array;
  r.gradient.dispose();
  return { loss: r.loss, distillLoss: r.distillLoss, gradient };
}

test('the distillation term: T² · mean KL, and its gradient w.r.t. the student logits is T · (softmax(s/T) − softmax(t/T)) / queries', () => {
  const T = 2.5;
  const s = tf.tensor3d([0.3, -1.2, 2.0, 1.1, 0.4, -0.7], [1, 2, 3]);
  const t = tf.tensor3d([1.5, 0.2, -0.4, -2.0, 0.9, 0.3], [1, 2, 3]);
  const softmax = (v: number[]) => {
    const e = v.map((x) => Math.exp(x / T));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  };
  const [sv, tv] = [Array.from(s.dataSync()), Array.from(t.dataSync())];
  let kl = 0;
  const expectedGrad: number[] = [];
  for (let q = 0; q < 2; q++) {
    const [ps, pt] = [softmax(sv.slice(q * 3, q * 3 + 3)), softmax(tv.slice(q * 3, q * 3 + 3))];
    pt.forEach((p, c) => (kl += p * Math.log(p / ps[c]!)));
    ps.forEach((p, c) => expectedGrad.push((T * (p - pt[c]!)) / 2));
  }
  const loss = distillationLoss(s, t, T).dataSync()[0]!;
  assert.ok(Math.abs(loss - (T * T * kl) / 2) < 1e-5, `loss ${loss} vs ${(T * T * kl) / 2}`);
  const grad = tf.grad((x: tf.Tensor) => distillationLoss(x as tf.Tensor3D, t, T))(s).dataSync();
  assert.ok(maxAbsDiff(grad, expectedGrad) < 1e-5, `gradient ${Array.from(grad)} vs ${expectedGrad}`);
  tf.dispose([s, t]);
});

test('weight 0 gives exactly the undistilled loss and gradient', async () => {
  const student = createHyperTransformer(config, 3);
  const teacher = createProtoNet(teacherConfig, 9);
  const labelled = await withTeacherLogits(teacher, episodes(3, 40));
  const plain = await gradientOf(student, labelled);
  const zero = await gradientOf(student, labelled, { weight: 0, temperature: 4 });
  assert.ok(zero.distillLoss! > 1e-3, `the teacher disagrees with the student (term ${zero.distillLoss})`);
  assert.equal(zero.loss, plain.loss);
  assert.deepEqual(zero.gradient, plain.gradient);
  student.dispose();
  teacher.dispose();
});

test('the distillation gradient of a whole model matches a central finite difference of the term along it', async () => {
  const student = createHyperTransformer(config, 3);
  const teacher = createProtoNet(teacherConfig, 9);
  const labelled = await withTeacherLogits(teacher, episodes(2, 60));
  const settings = { weight: 1, temperature: 2 };
  const [plain, distilled] = [await gradientOf(student, labelled), await gradientOf(student, labelled, settings)];
  // The term's own gradient, and the direction d along it (unit length).
  const g = distilled.gradient.map((v, i) => v - plain.gradient[i]!);
  const norm = Math.hypot(...g);
  assert.ok(norm > 1e-3, `the term has a gradient (norm ${norm})`);
  const base = student.values();
  const termAt = async (eps: number) => {
    student.params.assign(tf.tensor1d(base.map((v, i) => v + (eps * g[i]!) / norm)));
    student.markChanged();
    return (await gradientOf(student, labelled, settings)).distillLoss!;
  };
  const eps = 1e-3;
  const numeric = ((await termAt(eps)) - (await termAt(-eps))) / (2 * eps);
  // d·∇ = |∇| along the gradient's own direction.
  assert.ok(Math.abs(numeric - norm) <= 0.01 * norm, `finite difference ${numeric} vs analytic ${norm}`);
  student.dispose();
  teacher.dispose();
});

test('a teacher that agrees with the student (itself) gives a zero term and the undistilled gradient', async () => {
  const student = createHyperTransformer(config, 3);
  const labelled = await withTeacherLogits(student, episodes(3, 80));
  const plain = await gradientOf(student, labelled);
  const distilled = await gradientOf(student, labelled, { weight: 5, temperature: 3 });
  assert.ok(Math.abs(distilled.distillLoss!) < 1e-6, `term ${distilled.distillLoss}`);
  const largest = Math.max(...Array.from(plain.gradient, Math.abs));
  assert.ok(maxAbsDiff(plain.gradient, distilled.gradient) <= 1e-5 * largest, `max |Δgrad| ${maxAbsDiff(plain.gradient, distilled.gradient)} of ${largest}`);
  student.dispose();
});

test('1 worker thread and 0 give the same distilled steps (SGD; losses within 1e-6 relative, parameters within 1e-5)', async () => {
  const teacher = createProtoNet(teacherConfig, 9);
  const steps = await Promise.all([0, 1].map(async (s) => withTeacherLogits(teacher, episodes(4, 100 + 10 * s))));
  const run = async (workers: number) => {
    const trainer = new Trainer(createHyperTransformer(config, 5), { episodes: () => [], workers, optimizer: { name: 'sgd' }, schedule: { kind: 'constant', lr: 0.05 }, distillation: { weight: 0.7, temperature: 2 } });
    const results = [];
    for (const step of steps) results.push(await trainer.trainStep(step));
    const params = trainer.model.values();
    trainer.model.dispose();
    await trainer.close();
    return { results, params };
  };
  const [one, two] = [await run(0), await run(1)];
  one.results.forEach((r, i) => {
    const other = two.results[i]!;
    assert.ok(r.distillLoss! > 1e-3 && Math.abs(r.distillLoss! - other.distillLoss!) <= 1e-6 * r.distillLoss!, `step ${i + 1} term ${r.distillLoss} vs ${other.distillLoss}`);
    assert.ok(Math.abs(r.loss - other.loss) <= 1e-6 * r.loss, `step ${i + 1} loss ${r.loss} vs ${other.loss}`);
  });
  assert.ok(maxAbsDiff(one.params, two.params) <= 1e-5, `max |Δparam| ${maxAbsDiff(one.params, two.params)}`);
  teacher.dispose();
});

test('teacher logits: one row per query and way, resized for a teacher of another input size; a step without them is refused by name', async () => {
  const teacher = createProtoNet(teacherConfig, 9);
  const list = [...episodes(1, 120), makeSyntheticEpisode(config, { ways: 2, shots: 2, queriesPerClass: 1, seed: 121 })];
  const labelled = await withTeacherLogits(teacher, list);
  assert.deepEqual(labelled.map((e) => e.teacherLogits!.length), [6 * 3, 2 * 2]);
  assert.equal(labelled[0]!.support.height, 12, 'the student still sees its own input size');
  assert.equal(list[0]!.teacherLogits, undefined, 'the input episodes are not changed');
  const trainer = new Trainer(createHyperTransformer(config, 5), { episodes: () => [], distillation: { weight: 1, temperature: 2 } });
  await assert.rejects(trainer.trainStep([labelled[0]!, list[1]!]), (err: Error & { code?: string }) => err.code === 'E_EPISODE_TEACHER_LOGITS' && err.message.includes('episodes[1]'));
  const short = { ...labelled[0]!, teacherLogits: labelled[0]!.teacherLogits!.slice(1) };
  await assert.rejects(trainer.trainStep([short]), (err: Error & { code?: string }) => err.code === 'E_EPISODE_TEACHER_LOGITS' && err.message.includes('expected queries × ways'));
  trainer.model.dispose();
  await trainer.close();
  teacher.dispose();
});

test('a teacher that takes fewer ways, or other image channels, is refused with E_DISTILL_TEACHER', async () => {
  const narrow = createProtoNet(tinyConfig({ maxWays: 2 }), 1);
  await assert.rejects(withTeacherLogits(narrow, episodes(1, 140)), (err: Error & { code?: string; kind?: string }) => err.code === 'E_DISTILL_TEACHER' && err.kind === 'input' && /at most 2 ways.*up to 3/.test(err.message));
  const colour = createProtoNet(tinyConfig({ image: { height: 12, width: 12, channels: 3 } }), 1);
  await assert.rejects(withTeacherLogits(colour, episodes(1, 140)), (err: Error & { code?: string }) => err.code === 'E_DISTILL_TEACHER' && err.message.includes('3-channel'));
  assert.throws(() => new Trainer(createHyperTransformer(config, 5), { episodes: () => [], distillation: { weight: -1, temperature: 2 } }), { code: 'E_DISTILL_SETTINGS' });
  narrow.dispose();
  colour.dispose();
});
