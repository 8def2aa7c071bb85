/** Splitting a step's episodes between the threads of data-parallel training. */
import type { Episode } from '../episode.js';

/** What an episode costs a thread, roughly: its input pixels (the convs dominate a step). */
export function episodeCost(e: Episode): number {
  return (e.support.count + e.query.count) * e.support.height * e.support.width * e.support.channels;
}

/**
 * At most `count` contiguous, non-empty shards of near-equal cost, in order. Episodes of one step
 * may differ in size (ways and shots vary), so splitting by count could leave one thread with most
 * of the work; each cut goes where the running cost is nearest its share.
 */
export function splitIntoShards(episodes: Episode[], count: number): Episode[][] {
  const costs = episodes.map(episodeCost);
  const total = costs.reduce((a, b) => a + b, 0);
  const cuts: number[] = [0];
  let running = 0;
  let j = 0;
  for (let i = 1; i < count; i++) {
    const target = (total * i) / count;
    // Advance while the next episode brings the running cost nearer the target (on a tie it
    // goes to the later shard: the main thread, which computes shard 0, also does the update).
    while (j < episodes.length && Math.abs(running + (costs[j] as number) - target) < Math.abs(running - target)) running += costs[j++] as number;
    cuts.push(j);
  }
  cuts.push(episodes.length);
  const shards: Episode[][] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const shard = episodes.slice(cuts[i], cuts[i + 1]);
    if (shard.length > 0) shards.push(shard);
  }
  return shards;
}
