/**
 * Counts and findings of a fuzz run: outcomes per target × command × outcome, broken checks per
 * target × command × check, and the failures grouped by what went wrong (target, command,
 * outcome or check, and the shape of the first error line) with the smallest saved example of each.
 */
import { CLEAN_OUTCOMES, errorShape } from './classify.mjs';

const bump = (table, a, b, c) => {
  table[a] ??= {};
  table[a][b] ??= {};
  table[a][b][c] = (table[a][b][c] ?? 0) + 1;
};

/** What distinguishes one failure of a kind from another: the error's shape, or the broken check's detail. */
function signatureDetail(problem, shape) {
  if (problem.check === 'control-chars') return problem.detail; // which character matters
  if (['stack-trace', 'leftover-temp', 'partial-output'].includes(problem.check)) return problem.detail.replace(/\d+/g, 'N').slice(0, 80);
  return shape;
}

export class Tally {
  counts = {};
  checks = {};
  findings = new Map();
  cases = 0;
  failing = 0;
  byOutcome = {};
  /** exit 0 on a damaged input: often fine (a flipped weight is still a model), listed for review. */
  accepted = {};
  acceptedSeen = {};
  /** A couple of damaged inputs per target × command × mutation that a command accepted (exit 0), to look at. */
  acceptedExamples = [];
  /** Milliseconds per target × command: cases, mean, max (where the time goes). */
  timing = {};

  /** Records one case; returns the failure signatures it belongs to (empty when it passed). */
  add(spec, raw, outcome, broken) {
    this.cases++;
    this.byOutcome[outcome] = (this.byOutcome[outcome] ?? 0) + 1;
    bump(this.counts, spec.target, spec.command, outcome);
    for (const b of broken) bump(this.checks, spec.target, spec.command, b.check);
    const t = ((this.timing[spec.target] ??= {})[spec.command] ??= { cases: 0, totalMs: 0, maxMs: 0 });
    t.cases++;
    t.totalMs += raw.ms ?? 0;
    t.maxMs = Math.max(t.maxMs, Math.round(raw.ms ?? 0));
    if (outcome === 'ok') {
      bump(this.accepted, spec.target, spec.command, spec.mutation);
      const key = `${spec.target} ${spec.command} ${spec.mutation}`;
      if ((this.acceptedSeen[key] = (this.acceptedSeen[key] ?? 0) + 1) <= 2) this.acceptedExamples.push({ case: spec.index, target: spec.target, command: spec.command, mutation: spec.mutation, what: spec.what });
    }
    const problems = [...(CLEAN_OUTCOMES.includes(outcome) ? [] : [{ check: outcome, detail: '' }]), ...broken];
    if (problems.length === 0) return [];
    this.failing++;
    const shape = errorShape(raw);
    return problems.map((p) => {
      const signature = `${spec.target} · ${spec.command} · ${p.check} · ${signatureDetail(p, shape)}`;
      let f = this.findings.get(signature);
      if (!f) {
        f = { signature, target: spec.target, command: spec.command, problem: p.check, errorShape: shape, count: 0, mutations: {}, examples: [] };
        this.findings.set(signature, f);
      }
      f.count++;
      f.mutations[spec.mutation] = (f.mutations[spec.mutation] ?? 0) + 1;
      return { signature, finding: f, problem: p };
    });
  }

  summary() {
    return {
      cases: this.cases,
      failing: this.failing,
      byOutcome: this.byOutcome,
      counts: this.counts,
      checks: this.checks,
      acceptedDamagedInputs: this.accepted,
      acceptedExamples: this.acceptedExamples,
      timingMs: Object.fromEntries(
        Object.entries(this.timing).map(([target, commands]) => [
          target,
          Object.fromEntries(Object.entries(commands).map(([c, t]) => [c, { cases: t.cases, mean: Math.round(t.totalMs / t.cases), max: t.maxMs }])),
        ]),
      ),
      findings: [...this.findings.values()].sort((a, b) => b.count - a.count),
    };
  }
}
