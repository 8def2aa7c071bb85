/**
 * A tiny in-memory npm registry on 127.0.0.1 for release rehearsals: enough of the protocol for
 * `npm publish`, `npm info`/`npm view` and `npm install` (packument GET, publish PUT, tarball GET,
 * whoami). Nothing is written to disk; everything is gone when it closes.
 *
 * It is strict where a real registry is: publishing needs the bearer token, a version can be
 * published once, and the tarball must match the integrity npm computed for it.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';

/**
 * @typedef {{ method: string, path: string, status: number }} RecordedRequest
 * @typedef {{ url: string, port: number, token: string, packuments: Map<string, any>, tarballs: Map<string, Buffer>, requests: RecordedRequest[], close: () => Promise<void> }} FakeRegistry
 */

/** @returns {Promise<FakeRegistry>} listening on a random loopback port */
export async function startFakeRegistry({ token = 'fake-rehearsal-token', user = 'rehearsal' } = {}) {
  const packuments = new Map();
  const tarballs = new Map();
  const requests = [];
  let base = '';

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const reply = (status, body) => {
        requests.push({ method: req.method, path: req.url, status });
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      try {
        route(req, Buffer.concat(chunks), reply, res);
      } catch (err) {
        reply(500, { error: `fake registry: ${err.message}` });
      }
    });
  });

  const authorised = (req) => req.headers.authorization === `Bearer ${token}`;

  function route(req, body, reply, res) {
    const pathname = decodeURIComponent(new URL(req.url, base).pathname);
    if (pathname === '/-/whoami') return authorised(req) ? reply(200, { username: user }) : reply(401, { error: 'unauthorized' });
    if (pathname === '/-/ping') return reply(200, {});
    const tarballMatch = /^\/(.+)\/-\/([^/]+\.tgz)$/.exec(pathname);
    if (tarballMatch && req.method === 'GET') {
      const bytes = tarballs.get(`${tarballMatch[1]}/-/${tarballMatch[2]}`);
      if (!bytes) return reply(404, { error: 'not found' });
      requests.push({ method: req.method, path: req.url, status: 200 });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      return res.end(bytes);
    }
    const name = pathname.slice(1);
    if (!isPackageName(name)) return reply(404, { error: 'not found' });
    if (req.method === 'GET') {
      const doc = packuments.get(name);
      return doc ? reply(200, doc) : reply(404, { error: 'not found' });
    }
    if (req.method === 'PUT') {
      if (!authorised(req)) return reply(401, { error: 'unauthorized: this registry needs its bearer token' });
      return publish(name, JSON.parse(body.toString('utf8')), reply);
    }
    return reply(405, { error: `method ${req.method} not supported` });
  }

  function publish(name, doc, reply) {
    if (doc.name !== name) return reply(400, { error: `document name "${doc.name}" does not match the URL (${name})` });
    const existing = packuments.get(name) ?? { _id: name, name, 'dist-tags': {}, versions: {}, time: {} };
    const versions = Object.entries(doc.versions ?? {});
    if (versions.length !== 1) return reply(400, { error: 'publish exactly one version at a time' });
    const [version, manifest] = versions[0];
    if (existing.versions[version]) {
      return reply(403, { error: `cannot publish over the previously published versions: ${version}.` });
    }
    const attachments = Object.values(doc._attachments ?? {});
    if (attachments.length !== 1) return reply(400, { error: 'expected one tarball attachment' });
    const bytes = Buffer.from(attachments[0].data, 'base64');
    const integrity = 'sha512-' + createHash('sha512').update(bytes).digest('base64');
    const shasum = createHash('sha1').update(bytes).digest('hex');
    if (manifest.dist?.integrity !== integrity || manifest.dist?.shasum !== shasum) {
      return reply(400, { error: `tarball does not match the integrity in the manifest of ${name}@${version}` });
    }
    const file = `${name.replace(/^@[^/]+\//, '')}-${version}.tgz`;
    tarballs.set(`${name}/-/${file}`, bytes);
    const now = new Date().toISOString();
    existing.versions[version] = { ...manifest, dist: { ...manifest.dist, tarball: `${base}/${name}/-/${file}` } };
    Object.assign(existing['dist-tags'], doc['dist-tags'] ?? {});
    existing.time = { ...existing.time, created: existing.time.created ?? now, modified: now, [version]: now };
    packuments.set(name, existing);
    return reply(201, { ok: true, id: name });
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  base = `http://127.0.0.1:${port}`;
  return {
    url: base + '/',
    port,
    token,
    packuments,
    tarballs,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** "name" or "@scope/name", in npm's allowed characters. */
function isPackageName(s) {
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(s);
}

/** The .npmrc lines that route one scope to the registry and authenticate against it. */
export function scopedNpmrc(registry, scope, { withToken = true } = {}) {
  const hostPath = registry.url.replace(/^https?:/, '');
  const lines = [`${scope}:registry=${registry.url}`];
  if (withToken) lines.push(`${hostPath}:_authToken=${registry.token}`);
  return lines.join('\n') + '\n';
}
