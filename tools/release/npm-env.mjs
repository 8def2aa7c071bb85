/**
 * Environment and process helpers for running npm/npx/node as a user would.
 *
 * Under `npm test`, npm exports dozens of `npm_*` variables (the workspace's prefix, its package.json,
 * its config). A child npm in a temporary project must not inherit them, or it acts on the repo.
 */
import { spawn } from 'node:child_process';

/** process.env without npm's script variables, plus quiet, offline-friendly npm settings. */
export function npmEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return {
    ...env,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_loglevel: 'warn',
    ...extra,
  };
}

/**
 * Runs a command to completion and collects its output (never throws on a non-zero exit).
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string, command: string }>}
 */
export function runCommand(command, args, { cwd, env = npmEnv(), timeoutMs = 180_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, command: [command, ...args].join(' ') });
    });
    child.stdin.end(input ?? '');
  });
}

/** A one-paragraph description of a finished command, for assertion messages. */
export function describeRun(result, maxChars = 4000) {
  const tail = (s) => (s.length > maxChars ? '…' + s.slice(-maxChars) : s);
  return `\`${result.command}\` exited ${result.code ?? result.signal}\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`;
}
