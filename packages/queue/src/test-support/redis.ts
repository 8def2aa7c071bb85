/**
 * A real Redis for the queue tests: `redis-server` on a free loopback port, with its data in a
 * temporary folder and an append-only file synced on every write, so a restart keeps the queue.
 * A machine without redis-server fails the tests that need it, saying how to install it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  /** Shuts Redis down (its data is on disk) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-server is not installed: the queue tests need a real Redis (Debian: apt-get install redis-server; .ci/run installs it)');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${output}`)), 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}:\n${output}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export async function startRedis(): Promise<TestRedis> {
  requireRedisServer();
  const dir = await mkdtemp(join(tmpdir(), 'hypertx-redis-'));
  const port = await freePort();
  let child = await launch(port, dir);
  const shutdown = async () => {
    child.removeAllListeners('exit');
    child.kill('SIGTERM'); // Redis flushes its append-only file and exits
    await exited(child);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await shutdown();
      child = await launch(port, dir);
    },
    async stop() {
      await shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
