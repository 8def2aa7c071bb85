// A compile worker for @hypertx/queue: run it on as many machines as you like; Ctrl-C (or SIGTERM)
// finishes the running jobs, then stops.
//
//   node queue-worker.mjs [redis-url]    (default redis://127.0.0.1:6379)
import { runWorker } from '@hypertx/queue';

const queue = process.argv[2] ?? 'redis://127.0.0.1:6379';
const stop = new AbortController();
process.on('SIGINT', () => stop.abort());
process.on('SIGTERM', () => stop.abort());
await runWorker({ queue, signal: stop.signal, onEvent: (e) => console.log(JSON.stringify(e)) });
