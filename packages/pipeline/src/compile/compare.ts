/**
 * Compares a runtime's probabilities with the in-framework ones: max abs difference within a
 * tolerance, and the same top-1 class on every image whose top two classes are further apart than
 * the tolerance allows to swap (a near-tie may legitimately flip, e.g. after int8 rounding).
 */

export interface Agreement {
  ok: boolean;
  maxAbsDiff: number;
  /** Fraction of images with the same top-1 class. */
  argmaxAgreement: number;
  summary: string;
}

export function compareOutputs(expected: Float32Array, actual: Float32Array, classes: number, options: { atol: number }): Agreement {
  if (expected.length !== actual.length || classes <= 0) {
    return { ok: false, maxAbsDiff: Infinity, argmaxAgreement: 0, summary: `output has ${actual.length} values, expected ${expected.length}` };
  }
  const rows = expected.length / classes;
  let maxAbsDiff = 0;
  let agree = 0;
  let decisiveDisagreements = 0;
  for (let r = 0; r < rows; r++) {
    const e = expected.subarray(r * classes, (r + 1) * classes);
    const a = actual.subarray(r * classes, (r + 1) * classes);
    for (let c = 0; c < classes; c++) {
      const d = Math.abs(e[c]! - a[c]!);
      maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    }
    const [top, margin] = topAndMargin(e);
    if (top === topAndMargin(a)[0]) agree++;
    else if (margin > 2 * options.atol) decisiveDisagreements++;
  }
  const ok = maxAbsDiff <= options.atol && decisiveDisagreements === 0;
  return {
    ok,
    maxAbsDiff,
    argmaxAgreement: rows === 0 ? 1 : agree / rows,
    summary: `max |Δp| ${maxAbsDiff.toExponential(1)} (tolerance ${options.atol.toExponential(1)}), same top-1 class on ${agree}/${rows} images`,
  };
}

/** Index of the largest value and its lead over the runner-up. */
function topAndMargin(v: Float32Array): [number, number] {
  let top = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[top]!) top = i;
  let second = -Infinity;
  for (let i = 0; i < v.length; i++) if (i !== top && v[i]! > second) second = v[i]!;
  return [top, v[top]! - second];
}
