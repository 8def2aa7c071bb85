/**
 * Fault injection for tests of all-or-nothing output sets, loaded into a process with
 * `node --import <dist>/test-support/publish-faults.js ...` (the product code has no test hooks:
 * this wraps node:fs and updates the ES module bindings). Configured by environment variables:
 *
 *   HYPERTX_FAULT_PAUSE_MS=n       sleep n ms before each rename of a staged file into place (and
 *                                  back, in a rollback), so a test can kill a process mid-publish
 *   HYPERTX_FAULT_KILL_AT_RENAME=k SIGKILL this process right before the k-th such rename (1-based)
 *   HYPERTX_FAULT_FAIL_AT_RENAME=k the k-th such rename fails with EIO
 *   HYPERTX_FAULT_STAGE_ERROR=CODE writing the second staged file fails with that errno (ENOSPC, EDQUOT, EACCES, ...)
 *   HYPERTX_FAULT_STAGE_PAUSE_MS=n wait n ms before writing each staged file
 *
 * The first staged file prints `hypertx-fault: staging` on stderr, the first rename into place
 * `hypertx-fault: publishing` (a test's cue to send a signal).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const STAGING = /^\.hypertx-\d+-[0-9a-f]{8}$/;
const env = process.env;
const pauseMs = Number(env['HYPERTX_FAULT_PAUSE_MS'] ?? 0);
const killAt = Number(env['HYPERTX_FAULT_KILL_AT_RENAME'] ?? 0);
const failAt = Number(env['HYPERTX_FAULT_FAIL_AT_RENAME'] ?? 0);
const stageError = env['HYPERTX_FAULT_STAGE_ERROR'];
const stagePauseMs = Number(env['HYPERTX_FAULT_STAGE_PAUSE_MS'] ?? 0);

const inStaging = (file: string) => STAGING.test(path.basename(path.dirname(path.resolve(file))));
const errno = (code: string, file: string) => Object.assign(new Error(`${code}: injected fault, '${file}'`), { code, path: file });

let renames = 0;
const renameSync = fs.renameSync;
fs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
  if (inStaging(String(from)) && !inStaging(String(to))) {
    renames++;
    if (renames === 1) fs.writeSync(2, 'hypertx-fault: publishing\n');
    if (pauseMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
    if (renames === killAt) process.kill(process.pid, 'SIGKILL');
    if (renames === failAt) throw errno('EIO', String(to));
  }
  renameSync(from, to);
};

let staged = 0;
const open = fs.promises.open;
fs.promises.open = (async (file: fs.PathLike, ...rest: unknown[]) => {
  if (inStaging(String(file)) && /^\d+$/.test(path.basename(String(file)))) {
    if (++staged === 1) fs.writeSync(2, 'hypertx-fault: staging\n');
    if (stagePauseMs > 0) await new Promise((resolve) => setTimeout(resolve, stagePauseMs));
    if (stageError && staged === 2) throw errno(stageError, String(file));
  }
  return (open as (...args: unknown[]) => Promise<fs.promises.FileHandle>)(file, ...rest);
}) as typeof fs.promises.open;

syncBuiltinESMExports();
