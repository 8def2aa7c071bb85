/** Relative links in Markdown files, to check that they resolve. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** `[text](target)` targets that are not URLs or in-page anchors, without their #fragment. */
export function relativeLinks(markdown) {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const links = [];
  for (const m of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    links.push(target.replace(/#.*$/, ''));
  }
  return links;
}

/** Links in `file` whose target does not exist, as "file → target" strings. */
export function brokenLinks(file) {
  const dir = path.dirname(file);
  return relativeLinks(readFileSync(file, 'utf8'))
    .filter((target) => !existsSync(path.join(dir, decodeURI(target))))
    .map((target) => `${file} → ${target}`);
}
