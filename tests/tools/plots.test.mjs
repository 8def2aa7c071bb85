// The plots in docs/ stay readable: no colour twice in a chart, a marker shape per series, lines
// named at their ends without overlapping labels, no chart with more than six runs, and a series of
// one point drawn as a visible marker off the axes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lineChart, stackedCharts } from '../../tools/results/svg-chart.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const series = (n, points = 20) =>
  Array.from({ length: n }, (_, i) => ({ name: `run-${i}`, points: Array.from({ length: points }, (_, k) => [k * 100, 0.5 + 0.001 * i + 0.01 * Math.sqrt(k)]) }));
const polylineColours = (svg) => [...svg.matchAll(/<polyline points="[^"]*" fill="none" stroke="(#[0-9A-Fa-f]{6})" stroke-width="1\.8"/g)].map((m) => m[1]);
/** y of each end label (text drawn in its series' colour at the right edge). */
const endLabelYs = (svg) => [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" fill="#[0-9A-Fa-f]{6}">/g)].map((m) => Number(m[1]));

describe('svg-chart', () => {
  test('ten series: ten colours, and end labels at least a line apart even when the lines end together', () => {
    const svg = lineChart({ xLabel: 'step', yLabel: 'accuracy', series: series(10), labels: 'end' });
    const colours = polylineColours(svg);
    assert.equal(colours.length, 10);
    assert.equal(new Set(colours).size, 10, `a colour is reused: ${colours.join(' ')}`);
    const ys = endLabelYs(svg).sort((a, b) => a - b);
    assert.equal(ys.length, 10);
    for (let i = 1; i < ys.length; i++) assert.ok(ys[i] - ys[i - 1] >= 13.9, `labels ${ys[i - 1]} and ${ys[i]} overlap`);
  });

  test('each series gets its own marker shape (up to eight)', () => {
    const svg = lineChart({ xLabel: 'x', yLabel: 'y', series: series(6, 5) });
    const shapes = new Set();
    for (const kind of ['<circle', '<rect x=', '<polygon points=', '<path d=']) if (svg.includes(kind)) shapes.add(kind);
    assert.ok(shapes.size >= 4, [...shapes].join(', '));
  });

  test('a series of one point at the smallest x is a marker inside the plot, not on the y axis', () => {
    const svg = lineChart({
      xLabel: 'channels',
      yLabel: 'accuracy',
      xLog: true,
      series: [
        { name: 'three widths', points: [[4, 0.8], [8, 0.9], [16, 0.95]] },
        { name: 'one width', points: [[4, 0.84]], marker: 'diamond' },
      ],
    });
    // The y axis is the longest vertical black line; the diamond's left corner is its smallest x.
    const verticals = [...svg.matchAll(/<line x1="([\d.]+)" x2="\1" y1="([\d.]+)" y2="([\d.]+)" stroke="black"\/>/g)];
    const axis = Number(verticals.sort((a, b) => b[3] - b[2] - (a[3] - a[2]))[0][1]);
    const diamond = /<polygon points="[\d.]+,[\d.]+ [\d.]+,[\d.]+ [\d.]+,[\d.]+ ([\d.]+),[\d.]+"/.exec(svg);
    assert.ok(diamond, 'the one-point series is drawn as a marker');
    assert.ok(Number(diamond[1]) > axis + 8, `marker's left corner at x=${diamond[1]}, the y axis at ${axis}`);
    assert.doesNotMatch(svg, /<polyline points="[\d.]+,[\d.]+" /, 'no one-point polyline (invisible)');
    assert.match(svg, /one width/);
  });

  test('stackedCharts puts panels one under another in one document', () => {
    const svg = stackedCharts({ title: 'T', charts: [{ title: 'a', xLabel: 'x', yLabel: 'y', series: series(2) }, { title: 'b', xLabel: 'x', yLabel: 'y', series: series(2) }] });
    assert.equal((svg.match(/<svg /g) ?? []).length, 1);
    assert.equal(polylineColours(svg).length, 4);
  });
});

describe('tools/results/plot-results.mjs', () => {
  let out;
  let run;
  let statusBefore;
  const status = () => spawnSync('git', ['status', '--porcelain', '--', 'docs', 'bench/results'], { cwd: root, encoding: 'utf8' }).stdout;
  before(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'hypertx-plots-'));
    statusBefore = status();
    run = spawnSync(process.execPath, ['tools/results/plot-results.mjs', '--out', out], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  });
  after(() => rm(out, { recursive: true, force: true }));

  test('draws the documented runs from bench/results into --out, and nothing into docs/', async () => {
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual((await readdir(out)).sort(), ['accuracy-vs-width.svg', 'training-ht.svg', 'training-protonet.svg']);
    assert.equal(status(), statusBefore, 'the plot script changed files in docs/ or bench/results/');
  });

  test('no chart has more than six lines; every colour once per chart; every line named once at its end', async () => {
    for (const file of ['training-protonet.svg', 'training-ht.svg']) {
      const svg = await readFile(path.join(out, file), 'utf8');
      const names = endLabelYs(svg).length;
      const colours = polylineColours(svg);
      assert.equal(colours.length % 3, 0, `${file}: three panels of the same runs`);
      const perPanel = colours.length / 3;
      assert.ok(perPanel >= 2 && perPanel <= 6, `${file}: ${perPanel} runs in a chart`);
      for (let p = 0; p < 3; p++) {
        const panel = colours.slice(p * perPanel, (p + 1) * perPanel);
        assert.equal(new Set(panel).size, panel.length, `${file}: panel ${p + 1} reuses a colour`);
      }
      assert.equal(names, colours.length, `${file}: one end label per line`);
    }
  });

  test('the docs show what the script draws (the committed SVGs are up to date)', async () => {
    for (const file of await readdir(out)) {
      assert.equal(await readFile(path.join(out, file), 'utf8'), await readFile(path.join(root, 'docs', file), 'utf8'), `docs/${file}: run \`node tools/results/plot-results.mjs --record\``);
    }
  });
});
