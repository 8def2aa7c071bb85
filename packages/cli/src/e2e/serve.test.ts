// `hypertx serve` as people run it: a process on a free loopback port, its URL read from stdout;
// SIGTERM while a compile is in flight (the compile completes, the process exits 0); refusing a
// public interface without a token; and the web page in a real headless Chromium (Debian's
// `chromium`, driven by playwright-core): fixture images into class cards, compile, download the
// TFLite file and check it with `hypertx verify`, draw and drop queries, a screenshot kept.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../exit-codes.js';
import { STACK_FRAME, binPath, describeRun, makeTempDir, queryFixture, removeDir, repoRoot, runCli, supportFixture } from '../test-support/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const SUPPORT = supportFixture('glyphs-5way-1shot');
const BOUNDARY = 'hypertx-e2e-boundary';

interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `hypertx serve --port 0 …` and resolves once it printed its URL. */
async function serve(args: string[] = [], env: Record<string, string | undefined> = {}): Promise<Served> {
  const child = spawn(process.execPath, [binPath, 'serve', '--port', '0', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', HYPERTX_TOKEN: undefined, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await Promise.race([
    waitFor(() => /(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1], 60_000),
    exit.then((e) => {
      throw new Error(`hypertx serve exited (${e.code ?? e.signal}) before printing its URL:\n${stdout}\n${stderr}`);
    }),
  ]);
  return { child, url, stdout: () => stdout, stderr: () => stderr, exit };
}

async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${probe.toString()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function supportParts(): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (const label of (await readdir(SUPPORT)).sort()) {
    const bytes = await readFile(join(SUPPORT, label, '00.png'));
    parts.push(Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="class:${label}"; filename="00.png"\r\nContent-Type: image/png\r\n\r\n`), bytes, Buffer.from('\r\n')]));
  }
  return parts;
}

describe('hypertx serve (process)', () => {
  it('SIGTERM while a compile request is in flight: the request completes, then the process exits 0', async () => {
    const served = await serve(['--json']);
    try {
      const parts = await supportParts();
      // A client whose upload is still arriving when the signal comes.
      const req = request(`${served.url}/v1/compile`, { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` } });
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (s: string) => (body += s));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
      });
      req.write(parts[0]);
      // Fastify logs the request once it has its headers: from then on it is in flight.
      await waitFor(() => served.stdout().includes('"url":"/v1/compile"'));
      served.child.kill('SIGTERM');
      const signalled = Date.now();
      await waitFor(() => served.stdout().includes('"event":"stopping"'));
      for (const part of parts.slice(1)) req.write(part);
      req.end(`--${BOUNDARY}--\r\n`);
      const reply = await response;
      assert.equal(reply.status, 200, reply.body.slice(0, 500));
      const body = JSON.parse(reply.body) as { verified: boolean; labels: string[] };
      assert.equal(body.verified, true);
      assert.equal(body.labels.length, 5);
      const exit = await served.exit;
      assert.deepEqual(exit, { code: 0, signal: null }, `${served.stdout()}\n${served.stderr()}`);
      // Not after the keep-alive timeout: the drained request's connection closes with its response.
      assert.ok(Date.now() - signalled < 15_000, `exited ${Date.now() - signalled} ms after SIGTERM`);
      assert.match(served.stdout(), /"event":"stopped"/);
    } finally {
      served.child.kill('SIGKILL');
    }
  });

  it('prints its URL, answers, and takes the token from HYPERTX_TOKEN', async () => {
    const served = await serve([], { HYPERTX_TOKEN: 'e2e-token-123456789' });
    try {
      assert.match(served.stdout(), /^hypertx serve: http:\/\/127\.0\.0\.1:\d+ {2}\(models: default; token: required;/m);
      assert.equal((await fetch(`${served.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${served.url}/v1/models`)).status, 401);
      assert.equal((await fetch(`${served.url}/v1/models`, { headers: { Authorization: 'Bearer e2e-token-123456789' } })).status, 200);
      await waitFor(() => served.stdout().includes('GET /v1/models 200'));
      served.child.kill('SIGINT');
      assert.deepEqual(await served.exit, { code: 0, signal: null });
    } finally {
      served.child.kill('SIGKILL');
    }
  });

  it('refuses a non-loopback host without a token (exit 2, says why), and a port in use', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { env: { HYPERTX_TOKEN: undefined } });
    assert.equal(r.code, EXIT.usage, describeRun(r));
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
    assert.match(r.stderr, /--token or HYPERTX_TOKEN.*--insecure/);
    assert.doesNotMatch(r.stderr, STACK_FRAME);
    const served = await serve();
    try {
      const port = new URL(served.url).port;
      const busy = await runCli(['serve', '--port', port]);
      assert.equal(busy.code, EXIT.usage, describeRun(busy));
      assert.match(busy.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      served.child.kill('SIGKILL');
    }
  });
});

describe('the web page in headless Chromium', () => {
  let served: Served;
  let work: string;
  before(async () => {
    work = await makeTempDir('hypertx-serve-e2e-');
    served = await serve();
  });
  after(async () => {
    served?.child.kill('SIGKILL');
    if (work) await removeDir(work);
  });

  it('class cards from fixture images → compile → download the TFLite file → hypertx verify passes; draw and drop queries; screenshot', async (t) => {
    // A missing browser is a broken test machine, not a reason to skip: .ci/run installs it.
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser test`);
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
      // Works offline: nothing but this server (and the page's own blob: URLs) is ever fetched.
      page.on('request', (r) => !r.url().startsWith(served.url) && !/^(blob|data):/.test(r.url()) && problems.push(`request elsewhere: ${r.url()}`));

      await page.goto(served.url);
      await page.waitForSelector('body[data-ready="true"]');
      const labels = (await readdir(SUPPORT)).sort();
      for (let i = 2; i < labels.length; i++) await page.click('#add-class');
      const cards = page.locator('.class-card');
      assert.equal(await cards.count(), labels.length);
      for (const [i, label] of labels.entries()) {
        const card = cards.nth(i);
        await card.locator('.class-name').fill(label);
        await card.locator('input.class-files').setInputFiles(join(SUPPORT, label, '00.png'));
        await waitFor(async () => (await card.locator('.count').textContent()) === '1');
      }
      // One more example for the first class, drawn with the mouse.
      const pad = cards.nth(0).locator('canvas');
      await pad.scrollIntoViewIfNeeded();
      const box = (await pad.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 8 });
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.3, { steps: 8 });
      await page.mouse.up();
      await cards.nth(0).locator('.add-drawing').click();
      await waitFor(async () => (await cards.nth(0).locator('.count').textContent()) === '2');
      await page.check('#formats input[value="tflite-int8"]');

      await page.click('#compile');
      await page.waitForSelector('#results:not([hidden]) td.ok', { timeout: 60_000 });
      const checks = await page.locator('#files td.ok').allTextContents();
      assert.equal(checks.length, 3, `three formats verified: ${checks.join(' | ')}`);
      assert.ok(checks.every((c) => c.startsWith('✓')), checks.join('\n'));
      assert.match(checks.join('\n'), /LiteRT/);
      assert.equal(await page.locator('#banner').isHidden(), true, await page.locator('#banner').textContent() ?? '');

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.download[data-file="model.tflite"]')]);
      assert.equal(download.suggestedFilename(), 'model.tflite');
      const tflite = join(work, 'model.tflite');
      await download.saveAs(tflite);
      const verify = await runCli(['verify', tflite, '--support', SUPPORT, '--json']);
      assert.equal(verify.code, EXIT.ok, describeRun(verify));
      const verified = JSON.parse(verify.stdout) as { ok: boolean; format: string; images: number };
      assert.equal(verified.ok, true);
      assert.equal(verified.images, labels.length);

      // Try it: a dropped query image of the first class, then a drawing.
      await page.setInputFiles('#query-file', join(queryFixture('glyphs-5way-1shot'), labels[0]!, '00.png'));
      await page.waitForSelector('#probabilities .bar');
      assert.equal(await page.locator('#probabilities .bar').count(), labels.length);
      assert.equal(await page.locator('#probabilities .bar').first().getAttribute('data-label'), labels[0]);
      assert.match((await page.locator('#query-top').textContent()) ?? '', new RegExp(`^${labels[0]} \\(\\d+\\.\\d %\\)$`));
      await page.locator('#query-pad').scrollIntoViewIfNeeded();
      const query = (await page.locator('#query-pad').boundingBox())!;
      await page.mouse.move(query.x + query.width * 0.25, query.y + query.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(query.x + query.width * 0.75, query.y + query.height * 0.5, { steps: 10 });
      await page.mouse.up();
      const before = await page.locator('#query-preview').getAttribute('src');
      await page.click('#query-classify');
      await waitFor(async () => (await page.locator('#query-preview').getAttribute('src')) !== before);
      await page.waitForSelector('#probabilities .bar');
      const shown = await page.locator('#probabilities .bar-value').allTextContents();
      const total = shown.reduce((sum, s) => sum + Number.parseFloat(s), 0);
      assert.ok(Math.abs(total - 100) < 1, `probabilities shown sum to ${total} %`);

      const screenshot = join(repoRoot, 'bench/out/serve-page.png');
      await mkdir(join(repoRoot, 'bench/out'), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      t.diagnostic(`screenshot: ${screenshot}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
