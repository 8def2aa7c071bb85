/**
 * Runs that continue one another ("lineages"), as the results tools name them:
 *   <run dir>[@<episodes seen before it>][:<last step used>]
 * e.g. `runs/pn-long@64000:2100` is the run in runs/pn-long, started from a model that had seen 64k
 * episodes, read up to its step 2,100 (where another run branched off it).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export function parseSegment(text) {
  const match = /^(.*?)(?:@(\d+))?(?::(\d+))?$/.exec(text);
  return { dir: match[1], offset: Number(match[2] ?? 0), lastStep: match[3] === undefined ? Infinity : Number(match[3]) };
}

/** A segment's recipe and its log entries up to its last step. */
export async function readSegment(text) {
  const segment = parseSegment(text);
  const recipe = JSON.parse(await readFile(path.join(segment.dir, 'recipe.json'), 'utf8'));
  const log = (await readFile(path.join(segment.dir, 'log.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.step === undefined || entry.step <= segment.lastStep);
  const episodesAt = (step) => segment.offset + step * recipe.episodes.perStep;
  return { ...segment, recipe, log, episodesAt };
}
