/**
 * A fuzz runner: one long-lived process that runs many `hypertx` command lines in sequence through
 * the CLI's own `main(args)` (the function bin.js calls), so that thousands of cases do not each pay
 * Node's and TensorFlow.js's start-up. Started by pool.mjs with `fork` and a heap limit; cases come
 * over IPC as `{ id, argv, cwd }` and go back as
 * `{ id, code, stdout, stderr, ms, maxRssBytes, crash? }`.
 *
 * stdout and stderr are captured by replacing the streams' `write` for the duration of a case (the
 * IPC channel is separate, so the protocol never mixes with the command's output). An exception or
 * rejection that escapes a case is reported as that case's crash: the CLI must never let one out.
 */
import process from 'node:process';
import { setFlagsFromString } from 'node:v8';

const cliDist = process.env.HYPERTX_FUZZ_CLI_DIST;
if (!cliDist) throw new Error('HYPERTX_FUZZ_CLI_DIST is not set (the parent sets it to packages/cli/dist)');
// As bin.js does for short commands: V8's optimising wasm tier does not pay back on one-shot runs.
setFlagsFromString('--liftoff-only');
const { main } = await import(new URL('main.js', `file://${cliDist}/`).href);

/** Output beyond this many characters per stream is cut (a runaway print must not fill the parent's memory). */
const MAX_CAPTURE = 64 * 1024;

let current = null; // { stdout, stderr, escaped }

function capture(stream, key) {
  const original = stream.write.bind(stream);
  stream.write = (chunk, encoding, callback) => {
    if (!current) return original(chunk, encoding, callback);
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (current[key].length < MAX_CAPTURE) current[key] += text.slice(0, MAX_CAPTURE - current[key].length);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(done);
    return true;
  };
}
capture(process.stdout, 'stdout');
capture(process.stderr, 'stderr');

function escaped(kind) {
  return (err) => {
    const message = `${kind}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
    if (current) current.escaped ??= message;
    else process.send?.({ type: 'stray', message });
  };
}
process.on('uncaughtException', escaped('uncaught exception'));
process.on('unhandledRejection', escaped('unhandled rejection'));

async function runCase({ id, argv, cwd }) {
  current = { stdout: '', stderr: '', escaped: undefined };
  const t0 = performance.now();
  let code;
  try {
    process.chdir(cwd);
    process.exitCode = undefined;
    code = await main(argv);
  } catch (err) {
    current.escaped ??= `main() threw: ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
  }
  // Let stray callbacks of this case (timers, rejections) surface before the case is closed.
  await new Promise((resolve) => setImmediate(resolve));
  const result = {
    type: 'result',
    id,
    code: code ?? null,
    stdout: current.stdout,
    stderr: current.stderr,
    ms: performance.now() - t0,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBytes: process.memoryUsage.rss(),
    ...(current.escaped ? { crash: current.escaped } : {}),
  };
  current = null;
  process.send(result);
}

// One case at a time: the parent sends the next only after this one's result.
process.on('message', (message) => {
  if (message?.type === 'case') void runCase(message);
});
process.send({ type: 'ready', rssBytes: process.memoryUsage.rss() });
