// @hypertx/data: few-shot episodes from the procedural glyph alphabets (nothing to download), from
// packed Omniglot when HYPERTX_OMNIGLOT_DIR names a copy, and a support folder loaded as compile
// loads it.
//
//   node data-episodes.mjs [support-folder]    (one sub-folder of images per class)
import path from 'node:path';
import {
  createEpisodeSampler, createGlyphSource, holdOutGroups, loadImageRaw, loadOmniglot, loadSupportSet,
  OMNIGLOT_VALIDATION_ALPHABETS, splitByGroup,
} from '@hypertx/data';

// Synthetic alphabets with the interface of Omniglot: 10 alphabets × 20 characters × 20 drawers.
const glyphs = createGlyphSource({ seed: 7, alphabets: 10, charactersPerAlphabet: 20, drawers: 20 });
const { train, heldOut } = splitByGroup(glyphs, { holdOut: 2, seed: 1 }); // 2 alphabets held out
// 20-way 1-shot, 3 queries per class, each class turned by its own multiple of 90° (the authors' augmentation).
const sampler = createEpisodeSampler(train, { ways: 20, shots: 1, queries: 3, imageSize: 28, seed: 1, rotate: true });
const episode = sampler.next(); // { ways, support, supportLabels, query, queryLabels, classIds }
console.log(`glyphs:    ${train.classes.length} training and ${heldOut.classes.length} held-out classes; ${describe(episode)}`);

const omniglotDir = process.env.HYPERTX_OMNIGLOT_DIR; // the packed background split (see Sources)
if (omniglotDir) {
  const omniglot = loadOmniglot(omniglotDir);
  const split = holdOutGroups(omniglot, OMNIGLOT_VALIDATION_ALPHABETS);
  const omniglotEpisode = createEpisodeSampler(split.train, { ways: 20, shots: 1, queries: 3, imageSize: 28, seed: 1, rotate: true }).next();
  console.log(`omniglot:  ${split.train.classes.length} training and ${split.heldOut.classes.length} validation characters; ${describe(omniglotEpisode)}`);
} else {
  console.log('omniglot:  set HYPERTX_OMNIGLOT_DIR to a packed copy to sample its episodes the same way');
}

const folder = process.argv[2];
if (folder) {
  // What compile reads: <folder>/<class>/<images>, an optional <folder>/_unlabeled/, ink polarity detected.
  const set = await loadSupportSet(folder, { height: 28, width: 28, channels: 1, ink: 'auto' });
  console.log(`support:   ${set.classNames.length} classes, ${set.images.count} images (${set.ink === 'dark' ? 'dark ink on light' : 'light ink on dark'}), sha256 ${set.hash.slice(0, 12)}…`);
  const raw = await loadImageRaw(set.files[0], { height: 28, width: 28, channels: 1 }); // 0..255, what an exported model takes
  console.log(`raw image: ${path.relative(process.cwd(), set.files[0])}: ${raw.length} pixels, ${Math.min(...raw)}..${Math.max(...raw)}`);
} else {
  console.log('support:   pass a support folder (one sub-folder of images per class) to load it as compile does');
}

function describe(e) {
  return `an episode of ${e.ways} ways: support ${e.support.count}×${e.support.height}×${e.support.width}×${e.support.channels}, ${e.query.count} queries`;
}
