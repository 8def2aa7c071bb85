// The API as a client uses it: a server on a free loopback port, real HTTP requests (fetch and
// node:http for bodies that stop halfway), fixture images, every JSON answer held to /openapi.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compile } from '@hypertx/pipeline';
import { createServer, startServer, type HypertxServer, type ServerOptions } from './index.js';
import { compileForm, queryDir, supportDir, supportImages } from './test-support/fixtures.js';
import { BOUNDARY, closingBoundary, filePart, streamingPost, textPart } from './test-support/http.js';
import { SchemaChecker } from './test-support/schema-check.js';

const images = supportImages('glyphs-5way-1shot');
const labels = images.map((i) => i.label);
const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|<anonymous>\)?)$/m;

interface Started {
  server: HypertxServer;
  url: string;
}

async function start(options: ServerOptions = {}): Promise<Started> {
  return startServer({ port: 0, ...options });
}

let main: Started;
let checker: SchemaChecker;

/** A request; the JSON answer (when there is one) is checked against /openapi.json at `template`. */
async function call(template: string, path: string, init: RequestInit & { base?: string } = {}): Promise<{ response: Response; body: any; bytes: Buffer }> {
  const response = await fetch((init.base ?? main.url) + path, init);
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  const body = type.startsWith('application/json') ? JSON.parse(bytes.toString('utf8')) : undefined;
  const problems = checker.checkResponse(init.method ?? 'GET', template, response.status, type, body);
  assert.deepEqual(problems, [], `${init.method ?? 'GET'} ${path} → ${response.status} ${type} does not match /openapi.json:\n${problems.join('\n')}\n${bytes.toString('utf8').slice(0, 400)}`);
  if (body?.error) assert.doesNotMatch(bytes.toString('utf8'), STACK_FRAME, 'an error body must never hold a stack trace');
  return { response, body, bytes };
}

/** Expects an error answer with this status and code, naming `field` (and `file`) when given. */
async function expectError(path: string, init: RequestInit & { base?: string }, status: number, code: string, where: { field?: string; file?: string } = {}): Promise<any> {
  const template = path.startsWith('/v1/compiled/') ? (path.endsWith('/classify') ? '/v1/compiled/{id}/classify' : '/v1/compiled/{id}/files/{name}') : path.split('?')[0]!;
  const { response, body } = await call(template, path, init);
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code, JSON.stringify(body));
  assert.ok(body.error.message.length > 0);
  if (where.field !== undefined) assert.equal(body.error.field, where.field, JSON.stringify(body));
  if (where.file !== undefined) assert.equal(body.error.file, where.file, JSON.stringify(body));
  return body;
}

const post = (form: FormData, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', body: form, headers });

before(async () => {
  main = await start();
  const doc = await (await fetch(`${main.url}/openapi.json`)).json();
  checker = new SchemaChecker(doc as Record<string, unknown>);
});

after(async () => {
  await main?.server.close();
});

describe('the OpenAPI document', () => {
  test('is OpenAPI 3.1, every schema uses checked keywords only, every $ref resolves', async () => {
    const { response, body } = await call('/openapi.json', '/openapi.json');
    assert.equal(response.status, 200);
    assert.equal(body.openapi, '3.1.0');
    const problems: string[] = [];
    for (const [name, schema] of Object.entries(body.components.schemas)) problems.push(...checker.lint(schema as Record<string, unknown>, name));
    for (const [path, item] of Object.entries(body.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        assert.ok(op.operationId, `${method} ${path} has no operationId`);
        for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
          for (const [type, media] of Object.entries((r.content ?? {}) as Record<string, any>)) problems.push(...checker.lint(media.schema, `${method} ${path} ${status} ${type}`));
        }
        for (const media of Object.values((op.requestBody?.content ?? {}) as Record<string, any>)) problems.push(...checker.lint(media.schema, `${method} ${path} body`));
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('POST /v1/compile', () => {
  let compiled: any;

  test('fixture images → JSON with labels, verification and every file (base64 and URL), the files hypertx compile writes', async () => {
    const { response, body } = await call('/v1/compile', '/v1/compile', post(compileForm(images, { formats: 'onnx,tflite,c-array' })));
    assert.equal(response.status, 200, JSON.stringify(body));
    compiled = body;
    assert.deepEqual(body.labels, labels);
    assert.equal(body.model, 'default');
    assert.deepEqual(body.images, { labelled: 5, unlabeled: 0 });
    assert.equal(body.verified, true);
    assert.deepEqual(body.formats.map((f: any) => f.format), ['onnx', 'tflite', 'c-array']);
    for (const format of body.formats) {
      assert.equal(format.verification.ok, true, `${format.format}: ${format.verification.summary}`);
      assert.equal(format.verification.argmaxAgreement, 1);
      for (const file of format.files) {
        // The URL serves the same bytes as the base64.
        const download = await call('/v1/compiled/{id}/files/{name}', file.url);
        assert.equal(download.response.status, 200);
        assert.equal(download.bytes.toString('base64'), file.base64, file.name);
        assert.equal(download.bytes.length, file.bytes);
        assert.match(download.response.headers.get('content-disposition') ?? '', new RegExp(`filename="${file.name}"`));
      }
    }
    assert.deepEqual(body.formats.flatMap((f: any) => f.files.map((x: any) => x.name)), ['model.onnx', 'model.tflite', 'model_int8.cc', 'model_int8.h']);
    const onnx = Buffer.from(body.formats[0].files[0].base64, 'base64');
    const tflite = Buffer.from(body.formats[1].files[0].base64, 'base64');
    assert.equal(tflite.subarray(4, 8).toString('latin1'), 'TFL3', 'a TFLite flatbuffer');
    assert.ok(onnx.length > 1000);
    // The very files `hypertx compile <folder>` writes for the same images (pipeline compile of the folder).
    const local = await compile(supportDir('glyphs-5way-1shot'), { formats: ['onnx', 'tflite', 'c-array'] });
    assert.equal(body.supportSetHash, local.supportSetHash);
    assert.deepEqual(
      body.formats.flatMap((f: any) => f.files.map((x: any) => x.base64)),
      local.formats.flatMap((f) => f.files.map((x) => Buffer.from(x.bytes).toString('base64'))),
    );
  });

  test('Accept: application/octet-stream with ?format=tflite → the TFLite file itself, labels in headers', async () => {
    const { response, bytes } = await call('/v1/compile', '/v1/compile?format=tflite', post(compileForm(images), { Accept: 'application/octet-stream' }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'TFL3');
    assert.equal(response.headers.get('x-hypertx-format'), 'tflite');
    assert.equal(response.headers.get('x-hypertx-verified'), 'true');
    assert.deepEqual(response.headers.get('x-hypertx-labels')!.split(',').map(decodeURIComponent), labels);
    assert.match(response.headers.get('content-disposition')!, /filename="model\.tflite"/);
    // The same support set compiles to the same file, whichever way it is asked for.
    const viaJson = compiled.formats[1].files[0].base64;
    assert.equal(bytes.toString('base64'), viaJson);
  });

  test('Accept: application/vnd.hypertx.onnx → the ONNX file; octet-stream with two formats → 406 naming format', async () => {
    const onnx = await call('/v1/compile', '/v1/compile', post(compileForm(images), { Accept: 'application/vnd.hypertx.onnx' }));
    assert.equal(onnx.response.status, 200);
    assert.equal(onnx.response.headers.get('content-type'), 'application/vnd.hypertx.onnx');
    assert.equal(onnx.bytes.toString('base64'), compiled.formats[0].files[0].base64);
    await expectError('/v1/compile', post(compileForm(images, { formats: 'onnx,tflite' }), { Accept: 'application/octet-stream' }), 406, 'E_NOT_ACCEPTABLE', { field: 'formats' });
    await expectError('/v1/compile', post(compileForm(images), { Accept: 'application/octet-stream' }), 406, 'E_NOT_ACCEPTABLE', { field: 'format' });
  });

  test('POST /v1/compiled/{id}/classify: a query image of class 1 comes out as class 1', async () => {
    const query = readFileSync(join(queryDir('glyphs-5way-1shot'), labels[0]!, '00.png'));
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(query)], { type: 'image/png' }), 'query.png');
    const { response, body } = await call('/v1/compiled/{id}/classify', `/v1/compiled/${compiled.id}/classify`, post(form));
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.deepEqual(body.labels, labels);
    assert.equal(body.top.label, labels[0]);
    assert.equal(body.format, 'onnx');
    assert.match(body.runtime, /onnxruntime-node/);
    assert.ok(Math.abs(body.probabilities.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-3);
    await expectError('/v1/compiled/nope/classify', post(form), 404, 'E_NOT_FOUND', { field: 'id' });
    await expectError(`/v1/compiled/${compiled.id}/files/model.exe`, {}, 404, 'E_NOT_FOUND', { field: 'name' });
  });

  test('labels with non-ASCII characters and quotes come back exactly', async () => {
    const odd = ['猫 "cat"', 'Ärger, über'];
    const form = new FormData();
    odd.forEach((label, i) => form.append(`class:${label}`, new Blob([new Uint8Array(images[i]!.bytes)], { type: 'image/png' }), `${i}.png`));
    form.append('formats', 'onnx');
    const { response, body } = await call('/v1/compile', '/v1/compile', post(form));
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.deepEqual([...body.labels].sort(), [...odd].sort());
  });

  test('unlabelled images count as such', async () => {
    const five = supportImages('glyphs-5way-5shot');
    const form = compileForm(five.filter((_, i) => i % 5 === 0), { formats: 'onnx' });
    const unlabeledDir = join(supportDir('glyphs-5way-5shot'), '_unlabeled');
    for (const file of ['u00.png', 'u01.png', 'u02.png']) form.append('unlabeled', new Blob([new Uint8Array(readFileSync(join(unlabeledDir, file)))], { type: 'image/png' }), file);
    const { response, body } = await call('/v1/compile', '/v1/compile', post(form));
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.deepEqual(body.images, { labelled: 5, unlabeled: 3 });
  });
});

describe('GET /v1/models, /healthz, the page', () => {
  test('/v1/models lists the bundled models with what each accepts, the formats and the limits', async () => {
    const { response, body } = await call('/v1/models', '/v1/models');
    assert.equal(response.status, 200);
    assert.equal(body.default, 'default');
    const model = body.models.find((m: any) => m.name === 'default');
    assert.equal(model.loaded, true);
    assert.deepEqual(model.image, { height: 32, width: 32, channels: 1 });
    assert.match(model.accepts, /2–20 classes/);
    assert.ok(body.models.some((m: any) => m.name === 'omniglot-4ch'));
    assert.deepEqual(body.formats.map((f: any) => f.id), ['onnx', 'tflite', 'tflite-int8', 'c-array', 'hxcnn']);
    assert.equal(body.limits.maxClasses, 20);
    assert.ok(!JSON.stringify(body).includes('/packages/'), 'no server paths');
  });

  test('/healthz answers without a token, with the load', async () => {
    const { response, body } = await call('/healthz', '/healthz');
    assert.equal(response.status, 200);
    assert.equal(body.status, 'ok');
    assert.deepEqual(body.models, ['default']);
  });

  test('/ serves the page with a CSP that allows only this server; its files reference nothing elsewhere', async () => {
    const page = await fetch(`${main.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
    const html = await page.text();
    for (const asset of ['/app.js', '/style.css', '/favicon.svg']) {
      assert.ok(html.includes(asset), asset);
      const res = await fetch(main.url + asset);
      assert.equal(res.status, 200, asset);
      assert.doesNotMatch(await res.text(), /(https?:)?\/\/(?!www\.w3\.org\/2000\/svg)[a-z0-9.-]+\.[a-z]{2,}\//i, `${asset} refers to another site`);
    }
    const missing = await fetch(`${main.url}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as any).error.code, 'E_NOT_FOUND');
  });
});

describe('bad requests: 4xx JSON naming the field or file', () => {
  const png = images[0]!.bytes;
  const form = (parts: [string, Uint8Array | string, string?][]): FormData => {
    const f = new FormData();
    for (const [name, value, file] of parts) {
      if (typeof value === 'string') f.append(name, value);
      else f.append(name, new Blob([new Uint8Array(value)], { type: 'image/png' }), file ?? 'x.png');
    }
    return f;
  };

  test('an image that is not one → 422 E_IMAGE_DECODE naming field and file', async () => {
    const corrupt = readFileSync(join(supportDir('bad/corrupt-png'), 'alphabet-01-character-02', '00.png'));
    await expectError('/v1/compile', post(form([['class:a', png, 'a.png'], ['class:b', corrupt, 'broken.png']])), 422, 'E_IMAGE_DECODE', { field: 'class:b', file: 'broken.png' });
  });

  test('one class → 422; no images → 400; a file field of no class → 400; an empty label → 400', async () => {
    await expectError('/v1/compile', post(form([['class:a', png]])), 422, 'E_SUPPORT_TOO_FEW_CLASSES', { field: 'class:<label>' });
    await expectError('/v1/compile', post(form([['formats', 'onnx']])), 400, 'E_NO_IMAGES');
    await expectError('/v1/compile', post(form([['cat', png, 'cat.png']])), 400, 'E_UNKNOWN_FIELD', { field: 'cat' });
    await expectError('/v1/compile', post(form([['class:', png], ['class:b', png]])), 400, 'E_BAD_LABEL', { field: 'class:' });
  });

  test('unknown format, model, option value, field or query parameter → 400 naming it', async () => {
    const two: [string, Uint8Array | string, string?][] = [['class:a', png], ['class:b', png]];
    const body = await expectError('/v1/compile', post(form([...two, ['formats', 'onnx,tflight']])), 400, 'E_USAGE', { field: 'formats' });
    assert.match(body.error.hint ?? body.error.message, /tflite/, 'suggests the closest format');
    await expectError('/v1/compile', post(form([...two, ['model', '../../etc/passwd']])), 400, 'E_MODEL_NOT_FOUND', { field: 'model' });
    await expectError('/v1/compile', post(form([...two, ['ink', 'purple']])), 400, 'E_BAD_FIELD', { field: 'ink' });
    await expectError('/v1/compile', post(form([...two, ['colour', 'red']])), 400, 'E_UNKNOWN_FIELD', { field: 'colour' });
    await expectError('/v1/compile?fromat=onnx', post(form(two)), 400, 'E_UNKNOWN_FIELD', { field: 'fromat' });
    await expectError('/v1/compile?model=default', post(form([...two, ['model', 'default']])), 400, 'E_DUPLICATE_FIELD', { field: 'model' });
  });

  test('not multipart → 415', async () => {
    await expectError('/v1/compile', { method: 'POST', body: JSON.stringify({ images: [] }), headers: { 'content-type': 'application/json' } }, 415, 'E_UNSUPPORTED_MEDIA_TYPE');
    await expectError('/v1/compile', { method: 'POST', body: '<x/>', headers: { 'content-type': 'text/xml' } }, 415, 'E_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('limits', () => {
  let small: Started;
  const png = images[0]!.bytes;
  before(async () => {
    small = await start({ limits: { maxRequestBytes: 40_000, maxFileBytes: 10_000, maxClasses: 3, maxImagesPerClass: 2, maxPixels: 500 } });
  });
  after(async () => {
    await small?.server.close();
  });
  const on = (init: RequestInit): RequestInit & { base: string } => ({ ...init, base: small.url });
  const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(7);
  const formOf = (parts: [string, Uint8Array, string][]): FormData => compileForm(parts.map(([label, b, file]) => ({ label, bytes: Buffer.from(b), file })));

  test('request bytes, announced by Content-Length → 413 before reading', async () => {
    const form = formOf([1, 2, 3, 4, 5].map((i) => [`c${i % 3}`, bytes(9_000), `${i}.png`] as [string, Uint8Array, string]));
    await expectError('/v1/compile', on(post(form)), 413, 'E_REQUEST_TOO_LARGE');
  });

  test('request bytes, streamed without Content-Length → 413 naming the part that went over', async () => {
    const upload = streamingPost(`${small.url}/v1/compile`);
    for (let i = 0; i < 5; i++) {
      await upload.write(filePart(`class:c${i % 3}`, `${i}.png`, bytes(9_500)));
    }
    upload.end(closingBoundary());
    const reply = await upload.response;
    assert.equal(reply.status, 413, reply.text);
    assert.equal((reply.json as any).error.code, 'E_REQUEST_TOO_LARGE');
    assert.equal((reply.json as any).error.field, 'class:c1');
    assert.equal((reply.json as any).error.file, '4.png');
    assert.deepEqual(checker.checkResponse('POST', '/v1/compile', 413, String(reply.headers['content-type']), reply.json), []);
  });

  test('file bytes → 413 E_FILE_TOO_LARGE naming field and file', async () => {
    await expectError('/v1/compile', on(post(formOf([['a', png, 'a.png'], ['b', bytes(10_001), 'big.png']]))), 413, 'E_FILE_TOO_LARGE', { field: 'class:b', file: 'big.png' });
  });

  test('images per class → 413 E_TOO_MANY_IMAGES naming the class field', async () => {
    await expectError('/v1/compile', on(post(formOf([['a', png, '1.png'], ['b', png, '1.png'], ['b', png, '2.png'], ['b', png, '3.png']]))), 413, 'E_TOO_MANY_IMAGES', { field: 'class:b', file: '3.png' });
  });

  test('classes per request → 413 E_TOO_MANY_CLASSES naming the first class over', async () => {
    await expectError('/v1/compile', on(post(formOf(['a', 'b', 'c', 'd'].map((l) => [l, png, `${l}.png`] as [string, Uint8Array, string])))), 413, 'E_TOO_MANY_CLASSES', { field: 'class:d' });
  });

  test('pixels per image (decompression bombs) → 413 E_IMAGE_TOO_LARGE before decoding', async () => {
    // 28×28 = 784 pixels > 500 on this server.
    // Both are over; images decode concurrently, so either may be the one named.
    const over = await expectError('/v1/compile', on(post(formOf([['a', png, 'a.png'], ['b', png, 'b.png']]))), 413, 'E_IMAGE_TOO_LARGE');
    assert.ok(['class:a', 'class:b'].includes(over.error.field) && over.error.file === `${over.error.field.slice(6)}.png`, JSON.stringify(over));
    // A PNG header claiming 100000×100000 pixels, on the main server (default limit 16 Mi).
    const bomb = readFileSync(join(supportDir('bad/huge-image'), 'alphabet-01-character-02', '00.png'));
    const body = await expectError('/v1/compile', post(formOf([['a', bomb, 'bomb.png'], ['b', png, 'b.png']])), 413, 'E_IMAGE_TOO_LARGE', { field: 'class:a', file: 'bomb.png' });
    assert.match(body.error.message, /16777216 pixels/);
  });
});

describe('the compile queue: 503 + Retry-After when full', () => {
  test('with 1 running and 1 waiting, a third request is refused at once; the places come back', async () => {
    const busy = await start({ limits: { maxConcurrent: 1, maxQueue: 1 } });
    try {
      // Two clients that hold their places by uploading slowly (never finishing, for now).
      const slow = [streamingPost(`${busy.url}/v1/compile`), streamingPost(`${busy.url}/v1/compile`)];
      for (const s of slow) await s.write(filePart('class:a', 'a.png', images[0]!.bytes));
      await waitFor(() => busy.server.hypertx.compiles().admitted === 2);
      const t0 = performance.now();
      // A body larger than the socket buffers: the client is still sending when the answer comes,
      // and must get the 503 (the server reads and drops the rest), not a broken pipe.
      const big = compileForm(images);
      big.append('unlabeled', new Blob([new Uint8Array(3 * 1024 * 1024)], { type: 'image/png' }), 'big.png');
      const refused = await call('/v1/compile', '/v1/compile', { ...post(big), base: busy.url });
      assert.equal(refused.response.status, 503);
      assert.equal(refused.body.error.code, 'E_BUSY');
      const retryAfter = Number(refused.response.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${refused.response.headers.get('retry-after')}`);
      assert.ok(performance.now() - t0 < 5000, 'refused before compiling anything');
      assert.equal(busy.server.hypertx.compiles().refused, 1);
      // The two finish their uploads and both compile, one after the other.
      for (const s of slow) {
        await s.write(filePart('class:b', 'b.png', images[1]!.bytes));
        s.end(closingBoundary());
      }
      const replies = await Promise.all(slow.map((s) => s.response));
      assert.deepEqual(replies.map((r) => r.status), [200, 200], replies.map((r) => r.text.slice(0, 200)).join('\n'));
      assert.equal(busy.server.hypertx.compiles().admitted, 0);
      const again = await call('/v1/compile', '/v1/compile', { ...post(compileForm(images, { formats: 'onnx' })), base: busy.url });
      assert.equal(again.response.status, 200);
    } finally {
      await busy.server.close();
    }
  });
});

describe('a client that disconnects mid-upload', () => {
  test('costs nothing: its place, its buffers and its connection are released, and the server answers the next request', async () => {
    const server = main.server;
    const connections = (): Promise<number> => new Promise((resolve, reject) => server.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    const gc = (): void => {
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
    };
    const megabyte = new Uint8Array(1024 * 1024).fill(1);
    const abortOne = async (): Promise<void> => {
      const upload = streamingPost(`${main.url}/v1/compile`);
      await upload.write(textPart('formats', 'onnx'));
      await upload.write(Buffer.concat([filePart('class:a', 'a.png', images[0]!.bytes)]));
      // Half of a 2 MB file part, then the client is gone.
      await upload.write(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="class:b"; filename="b.png"\r\nContent-Type: image/png\r\n\r\n`));
      await upload.write(Buffer.from(megabyte));
      await waitFor(() => server.hypertx.uploading() === 1);
      upload.abort();
      await waitFor(() => server.hypertx.uploading() === 0 && server.hypertx.compiles().admitted === 0);
    };
    const openBefore = await connections(); // this test's own keep-alive connections
    await abortOne(); // warm-up: first-use allocations are not a leak
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20; i++) await abortOne();
    await waitFor(async () => (await connections()) === openBefore);
    gc();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(grown < 8 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MB after 20 aborted 1 MB uploads`);
    const next = await call('/v1/compile', '/v1/compile', post(compileForm(images, { formats: 'onnx' })));
    assert.equal(next.response.status, 200);
  });
});

describe('auth', () => {
  const token = 'test-token-0123456789';
  let locked: Started;
  before(async () => {
    locked = await start({ token });
  });
  after(async () => {
    await locked?.server.close();
  });

  test('/v1 needs the bearer token: 401 without or with a wrong one, 200 with it', async () => {
    const none = await expectError('/v1/models', { base: locked.url }, 401, 'E_UNAUTHORIZED');
    assert.ok(none);
    const res = await fetch(`${locked.url}/v1/models`);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    await expectError('/v1/models', { base: locked.url, headers: { Authorization: 'Bearer wrong-token-000000' } }, 401, 'E_UNAUTHORIZED');
    await expectError('/v1/compile', { ...post(compileForm(images)), base: locked.url }, 401, 'E_UNAUTHORIZED');
    const ok = await call('/v1/models', '/v1/models', { base: locked.url, headers: { Authorization: `Bearer ${token}` } });
    assert.equal(ok.response.status, 200);
  });

  test('the page and /healthz answer without it (the page asks for the token)', async () => {
    assert.equal((await fetch(`${locked.url}/`)).status, 200);
    assert.equal((await fetch(`${locked.url}/healthz`)).status, 200);
  });

  test('a non-loopback host without a token is refused at start, unless insecure', () => {
    assert.throws(() => createServer({ host: '0.0.0.0' }), (err: any) => err.code === 'E_INSECURE_HOST' && /token/.test(err.hint));
    assert.throws(() => createServer({ host: '::' }), (err: any) => err.code === 'E_INSECURE_HOST');
    assert.throws(() => createServer({ host: '192.168.1.20' }), (err: any) => err.code === 'E_INSECURE_HOST');
    assert.throws(() => createServer({ token: 'short' }), (err: any) => err.code === 'E_USAGE');
    // Not listening: creating is enough to show they are accepted.
    for (const options of [{ host: '0.0.0.0', token }, { host: '0.0.0.0', insecure: true }, { host: 'localhost' }, { host: '::1' }, { host: '127.0.0.2' }]) {
      assert.doesNotThrow(() => createServer(options), JSON.stringify(options));
    }
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${condition.toString()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

