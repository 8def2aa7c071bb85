// A stand-in for tools/fuzz/runner.mjs that speaks its protocol and misbehaves on request, to test
// the pool's bounds without TensorFlow.js: argv[0] says what to do.
const hold = [];
process.on('message', async ({ id, argv }) => {
  const [what, arg] = argv;
  if (what === 'hang') for (;;);
  if (what === 'exit') process.exit(Number(arg));
  if (what === 'grow') {
    // Touch every page so that it counts in the resident set; hold it until killed.
    const mib = Number(arg);
    for (let i = 0; i < mib; i++) hold.push(Buffer.alloc(2 ** 20, 1));
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  process.send({ type: 'result', id, code: Number(arg ?? 0), stdout: `ran ${what}`, stderr: '', ms: 1, maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage.rss(), pid: process.pid });
});
process.send({ type: 'ready' });
