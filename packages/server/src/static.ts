/**
 * The web page: a few static files from the package's public/ folder, read once at start-up and
 * served from memory. Only the files listed here are served (no path from the URL ever reaches
 * the filesystem), with a Content-Security-Policy that allows nothing but this server, so the page
 * works offline and cannot load anything from elsewhere.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface StaticFile {
  path: string;
  type: string;
  body: Buffer;
}

export function loadStaticFiles(): StaticFile[] {
  return Object.entries(FILES).map(([url, { file, type }]) => ({ path: url, type, body: readFileSync(path.join(PUBLIC_DIR, file)) }));
}
