#!/usr/bin/env node
// The `hypertx` executable: a tiny shim so that start-up loads only what the chosen command needs.
import { pendingStalledReads } from '@hypertx/export';
import { main } from './main.js';
import { useBaselineWasmFor } from './wasm-tiering.js';

const args = process.argv.slice(2);
useBaselineWasmFor(args); // before any wasm is compiled (see wasm-tiering.ts)

// `hypertx inspect x | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(args);
// A read that timed out on a stalled mount cannot be cancelled, and it would hold the process open.
if (pendingStalledReads() > 0) process.exit();
