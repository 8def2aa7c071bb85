// Batches through a real Redis: two or more `hypertx worker` processes serve the queue that
// submitBatch fills. Every set must compile exactly once, into files identical to a local batch;
// a worker killed mid-job, a Redis restart and a poisoned set must not stop the batch.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compileBatch, type BatchSummary } from '@hypertx/pipeline';
import { submitBatch } from './submit.js';
import type { WorkerEvent } from './worker.js';
import { startRedis, type TestRedis } from './test-support/redis.js';
import { startRedisProxy } from './test-support/redis-proxy.js';
import { makeSupportSets, repoRoot } from './test-support/sets.js';

const BIN = join(repoRoot, 'packages/cli/bin/hypertx.js');
const FORMATS = ['onnx', 'tflite'];

interface RunningWorker {
  child: ChildProcess;
  events: WorkerEvent[];
  exited: Promise<number | null>;
  stderr(): string;
  /** Resolves when an event passes `test`. */
  when(test: (e: WorkerEvent) => boolean): Promise<WorkerEvent>;
}

function startWorker(url: string, queueName: string, extraArgs: string[] = []): RunningWorker {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--queue-name', queueName, '--jobs', '1', '--json', '-q', '--lock-duration', '3000', '--stalled-interval', '1000', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: WorkerEvent[] = [];
  const waiters: { test: (e: WorkerEvent) => boolean; resolve: (e: WorkerEvent) => void }[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('{"')) continue; // the lines of a final error report (pretty-printed JSON), not an event
      const event = JSON.parse(line) as WorkerEvent;
      events.push(event);
      for (const w of waiters.filter((w) => w.test(event))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then((code) => {
    if (code !== 0 && code !== null) console.error(`worker exited ${code}:\n${stderr}`);
  });
  return {
    child,
    events,
    exited,
    stderr: () => stderr,
    when: (test) => {
      const seen = events.find(test);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}

async function stopWorker(w: RunningWorker): Promise<number | null> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  return w.exited;
}

const completedKeys = (workers: RunningWorker[]) => workers.flatMap((w) => w.events.filter((e) => e.type === 'completed').map((e) => (e as { key: string }).key));

function assertAllCompiled(summary: BatchSummary, names: string[]) {
  const failed = summary.results.filter((r) => r.status !== 'compiled');
  assert.deepEqual(failed.map((r) => `${r.name}: ${r.error?.message}`), [], 'every set compiled');
  assert.deepEqual(summary.results.map((r) => r.name).sort(), names);
}

describe('compile-batch through BullMQ on a real Redis', () => {
  let redis: TestRedis;
  let work: string;
  before(async () => {
    redis = await startRedis();
    work = await mkdtemp(join(tmpdir(), 'hypertx-queue-test-'));
  });
  after(async () => {
    await redis?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('50 sets on two workers: each compiled exactly once, files identical to a local batch; a poisoned set fails alone', { timeout: 240_000 }, async () => {
    const sets = join(work, 'sets');
    const names = await makeSupportSets(sets, 50);
    // The poisoned set: one class's image is not an image.
    await mkdir(join(sets, 'zz-poisoned', 'a'), { recursive: true });
    await mkdir(join(sets, 'zz-poisoned', 'b'), { recursive: true });
    await writeFile(join(sets, 'zz-poisoned', 'a', 'x.png'), 'not a png');
    await writeFile(join(sets, 'zz-poisoned', 'b', 'y.png'), await readFile(join(repoRoot, 'fixtures/support/glyphs-5way-1shot/alphabet-01-character-01/00.png')));

    const local = await compileBatch(sets, { out: join(work, 'local'), formats: FORMATS, jobs: 2 });
    assert.equal(local.compiled, 50);

    const workers = [startWorker(redis.url, 'q1'), startWorker(redis.url, 'q1')];
    try {
      await Promise.all(workers.map((w) => w.when((e) => e.type === 'ready')));
      const viaQueue = await submitBatch(sets, { out: join(work, 'queued'), formats: FORMATS, queue: redis.url, queueName: 'q1' });
      assert.equal(viaQueue.compiled, 50);
      assert.equal(viaQueue.failed, 1);
      const poisoned = viaQueue.results.find((r) => r.name === 'zz-poisoned')!;
      assert.equal(poisoned.status, 'failed');
      assert.equal(poisoned.error?.code, 'E_IMAGE_DECODE');
      assert.match(poisoned.error!.message, /a\/x\.png/);

      const keys = completedKeys(workers);
      assert.equal(keys.length, 50, 'fifty jobs completed in all');
      assert.equal(new Set(keys).size, 50, 'no set compiled twice');
      assert.ok(workers.every((w) => w.events.some((e) => e.type === 'completed')), 'both workers took jobs');
      const poisonedAttempts = workers.flatMap((w) => w.events).filter((e) => e.type === 'started' && e.name === 'zz-poisoned');
      assert.equal(poisonedAttempts.length, 1, 'a set that cannot compile is not retried');

      for (const name of names) {
        for (const file of [`${name}.onnx`, `${name}.tflite`]) {
          assert.deepEqual(await readFile(join(work, 'queued', name, file)), await readFile(join(work, 'local', name, file)), `${name}/${file}`);
        }
      }
      const again = await submitBatch(sets, { out: join(work, 'queued'), formats: FORMATS, queue: redis.url, queueName: 'q1' });
      assert.equal(again.skipped, 50, 'submitting again skips what is done');
    } finally {
      for (const w of workers) assert.equal(await stopWorker(w), 0, 'SIGTERM: the worker finishes and exits 0');
    }
  });

  it("the submitter's traffic: each result crosses from Redis once, and a set costs two commands (queue it, remove it)", { timeout: 180_000 }, async () => {
    const sets = join(work, 'traffic-sets');
    const names = await makeSupportSets(sets, 12, 'traffic');
    const workers = [startWorker(redis.url, 'q4'), startWorker(redis.url, 'q4')];
    // Only the submitter goes through the proxy; no sweep (pollMs) within the batch, so what is
    // counted is what collecting announced results costs.
    const proxy = await startRedisProxy(redis.port);
    try {
      await Promise.all(workers.map((w) => w.when((e) => e.type === 'ready')));
      const out = join(work, 'traffic-out');
      const summary = await submitBatch(sets, { out, formats: FORMATS, queue: proxy.url, queueName: 'q4', pollMs: 600_000 });
      assertAllCompiled(summary, names);
      let resultBase64 = 0;
      for (const name of names) {
        for (const file of [`${name}.onnx`, `${name}.tflite`]) resultBase64 += Math.ceil((await stat(join(out, name, file))).size / 3) * 4;
      }
      const { traffic } = proxy;
      // Besides reading events: setting up two connections (INFO, CLIENT, the queue's meta), then per set.
      const setUp = 12;
      const perSet = (traffic.commands - (traffic.byName.get('XREAD') ?? 0) - setUp) / names.length;
      const detail = JSON.stringify(Object.fromEntries(traffic.byName));
      assert.ok(traffic.bytesDown < 1.5 * resultBase64 + 64 * 1024, `the submitter received ${traffic.bytesDown} bytes for ${resultBase64} bytes of results: a result read more than once (${detail})`);
      assert.ok(perSet <= 2, `${perSet.toFixed(2)} commands per set besides reading events (${detail})`);
    } finally {
      await proxy.close();
      for (const w of workers) await stopWorker(w);
    }
  });

  it('a worker whose model cannot load takes no job: it exits 3 naming the file, and the queued sets wait for a worker that can', { timeout: 180_000 }, async () => {
    const sets = join(work, 'model-sets');
    const names = await makeSupportSets(sets, 2, 'model');
    const badModel = join(work, 'damaged.hxmodel');
    await writeFile(badModel, 'not a model');
    const stop = new AbortController(); // so that a failing test does not leave the submission waiting
    const submitted = submitBatch(sets, { out: join(work, 'model-out'), formats: FORMATS, queue: redis.url, queueName: 'q5', signal: stop.signal });
    submitted.catch(() => undefined);
    const broken = startWorker(redis.url, 'q5', ['-m', badModel]);
    let good: RunningWorker | undefined;
    try {
      const first = await Promise.race([broken.when((e) => e.type === 'ready').then(() => 'ready'), broken.exited.then(() => 'exited')]);
      assert.equal(first, 'exited', 'the worker never says it is ready');
      assert.equal(await broken.exited, 3, 'exit 3: bad input');
      assert.match(broken.stderr(), /damaged\.hxmodel/);
      assert.equal(broken.events.filter((e) => e.type === 'started').length, 0, 'no job taken');
      good = startWorker(redis.url, 'q5');
      assertAllCompiled(await submitted, names);
    } finally {
      stop.abort();
      await stopWorker(broken);
      if (good) await stopWorker(good);
    }
  });

  it('a worker killed with SIGKILL mid-job: its job is retried on another worker and the batch completes', { timeout: 180_000 }, async () => {
    const sets = join(work, 'kill-sets');
    const names = await makeSupportSets(sets, 6, 'kill');
    const doomed = startWorker(redis.url, 'q2');
    await doomed.when((e) => e.type === 'ready');
    const submitted = submitBatch(sets, { out: join(work, 'kill-out'), formats: FORMATS, queue: redis.url, queueName: 'q2' });
    // A worker holds one job more than it has threads: after its second start it is mid-job.
    await doomed.when((e) => e.type === 'started' && doomed.events.filter((x) => x.type === 'started').length === 2);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const rescuer = startWorker(redis.url, 'q2');
    try {
      const summary = await submitted;
      assertAllCompiled(summary, names);
      const startedByDoomed = doomed.events.filter((e) => e.type === 'started').map((e) => (e as { key: string }).key);
      const orphaned = startedByDoomed.filter((key) => !completedKeys([doomed]).includes(key));
      assert.ok(orphaned.length >= 1, 'the killed worker held at least one unfinished job');
      for (const key of orphaned) assert.ok(completedKeys([rescuer]).includes(key), `another worker finished ${key}`);
      assert.equal(new Set([...completedKeys([doomed]), ...completedKeys([rescuer])]).size, names.length, 'each set completed once');
    } finally {
      await stopWorker(rescuer);
    }
  });

  it('Redis restarted mid-batch: workers and the submitter reconnect and the batch completes', { timeout: 180_000 }, async () => {
    const sets = join(work, 'restart-sets');
    const names = await makeSupportSets(sets, 10, 'restart');
    const workers = [startWorker(redis.url, 'q3'), startWorker(redis.url, 'q3')];
    try {
      await Promise.all(workers.map((w) => w.when((e) => e.type === 'ready')));
      let restarted: Promise<void> | undefined;
      const summary = await submitBatch(sets, {
        out: join(work, 'restart-out'),
        formats: FORMATS,
        queue: redis.url,
        queueName: 'q3',
        onProgress: (e) => {
          if (e.type === 'set' && e.done === 2 && !restarted) restarted = redis.restart();
        },
      });
      await restarted;
      assert.ok(restarted, 'Redis was restarted during the batch');
      assertAllCompiled(summary, names);
    } finally {
      for (const w of workers) await stopWorker(w);
    }
  });
});
