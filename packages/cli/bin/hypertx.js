#!/usr/bin/env node
// The `hypertx` executable. It is a committed file rather than dist/bin.js so that its run bit, and
// npm's link to it in node_modules/.bin, exist before the first build and survive a rebuild.
try {
  await import('../dist/bin.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/bin.js')) {
    process.stderr.write('hypertx is not built yet: run `npm run build` in the repository (npm ci builds it too).\n');
    process.exit(1);
  }
  throw err;
}
