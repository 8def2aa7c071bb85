/** Reads and checks the pending changesets in .changeset/*.md. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const BUMPS = new Set(['patch', 'minor', 'major']);

/** @returns {{ file: string, releases: { name: string, type: string }[], summary: string }[]} */
export function readChangesets(changesetDir) {
  return readdirSync(changesetDir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((file) => parseChangeset(file, readFileSync(path.join(changesetDir, file), 'utf8')));
}

export function parseChangeset(file, text) {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) return { file, releases: [], summary: '', error: 'no front matter between --- lines' };
  const releases = [];
  for (const line of m[1].split(/\r?\n/)) {
    if (!line.trim()) continue;
    const entry = /^\s*["']?([^"':]+)["']?\s*:\s*(\w+)\s*$/.exec(line);
    if (!entry) return { file, releases, summary: m[2].trim(), error: `cannot read front matter line "${line}"` };
    releases.push({ name: entry[1], type: entry[2] });
  }
  return { file, releases, summary: m[2].trim() };
}

/** Problems with the changesets: unknown packages, unknown bump types, empty summaries. */
export function changesetProblems(changesets, packageNames) {
  const known = new Set(packageNames);
  const problems = [];
  for (const c of changesets) {
    if (c.error) problems.push(`.changeset/${c.file}: ${c.error}`);
    if (c.releases.length === 0 && !c.error) problems.push(`.changeset/${c.file}: releases no package`);
    for (const r of c.releases) {
      if (!known.has(r.name)) problems.push(`.changeset/${c.file}: "${r.name}" is not a workspace package (${[...known].join(', ')})`);
      if (!BUMPS.has(r.type)) problems.push(`.changeset/${c.file}: "${r.name}": "${r.type}" is not patch, minor or major`);
    }
    if (!c.summary && !c.error) problems.push(`.changeset/${c.file}: no summary (it becomes the changelog entry)`);
  }
  return problems;
}
