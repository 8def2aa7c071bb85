// Queue every support set of a folder on a Redis-backed compile queue (@hypertx/queue) and collect the
// files into out/<set name>/; workers (queue-worker.mjs) compile them, on this machine or others.
//
//   node queue-submit.mjs <folder of support-set folders> [redis-url]    (default redis://127.0.0.1:6379)
import { submitBatch } from '@hypertx/queue';

const [sets, queue = 'redis://127.0.0.1:6379'] = process.argv.slice(2);
if (!sets) {
  console.error('usage: node queue-submit.mjs <folder of support-set folders> [redis-url]');
  process.exit(2);
}
const summary = await submitBatch(sets, {
  out: 'out',
  queue,
  formats: ['tflite-int8'],
  onProgress: (e) => e.type === 'set' && console.log(e.done, '/', e.total, e.result.name, e.result.status),
});
console.log(`${summary.compiled} compiled, ${summary.skipped} already there, ${summary.failed} failed`);
