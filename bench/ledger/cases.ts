/**
 * The runs of the ledger benchmark, one after the other against the same S3 and simulator, and
 * what each must do for its figures to mean what their names say. Pure: running them is runs.ts.
 */
import type { RunCounts } from '../../lambdas/shared/contract/run-report';
import { formatUtcDay } from '../../lambdas/shared/contract/utc-day';

const DAY_MS = 86_400_000;

export type LedgerCaseName = 'first' | 'rerun' | 'forced' | 'wider';

export interface LedgerCase {
  name: LedgerCaseName;
  /** Column header. */
  label: string;
  /** What the run shows. */
  description: string;
  /** `YYYY-MM-DD`, inclusive. */
  from: string;
  /** `YYYY-MM-DD`, exclusive. */
  to: string;
  force: boolean;
}

/**
 * The benchmark's day: three days before `now`'s UTC day, well inside any allowed window.
 * The runs export it (and, last, the day before it too).
 */
export const benchDay = (now: number): number => Math.floor(now / DAY_MS) * DAY_MS - 3 * DAY_MS;

/**
 * The runs, in order: every pair new; the same window again (the Plan leaves every pair out); the
 * same window forced (every pair exported again, superseding its object); and, with `wider`, a
 * window one day wider than the landed one (the Plan cannot leave the pairs out: each claims, the
 * landed day already cut from its window, and exports the new day).
 */
export const ledgerCases = (now: number, wider = true): LedgerCase[] => {
  const day = benchDay(now);
  const from = formatUtcDay(day);
  const to = formatUtcDay(day + DAY_MS);
  const cases: LedgerCase[] = [
    { name: 'first', label: 'first run', description: 'every pair new', from, to, force: false },
    { name: 'rerun', label: 'rerun', description: 'every day landed: the Plan leaves every pair out', from, to, force: false },
    { name: 'forced', label: 'forced rerun', description: '"force": true, every pair superseding its object', from, to, force: true },
  ];
  if (wider) {
    cases.push({
      name: 'wider',
      label: 'window +1 day',
      description: 'one day wider: every pair claims, skips the landed day, exports the new one',
      from: formatUtcDay(day - DAY_MS),
      to,
      force: false,
    });
  }
  return cases;
};

/** What a run did, as the checks read it. */
export interface ObservedRun {
  status: string;
  error: string | null;
  counts: RunCounts | null;
  /** LinkedIn create-job calls. */
  creates: number;
  /** Requests after the workflow ended (the runner's after-run check); null when it never summarized. */
  afterRunRequests: number | null;
  /** Objects under `<prefix>ledger/` after the run. */
  ledgerObjects: number;
}

/**
 * Every way the run differs from what its case must do; empty when it did exactly that.
 * @param pairs contracts × export types asked
 */
export const checkLedgerRun = (ledgerCase: LedgerCase, pairs: number, run: ObservedRun): string[] => {
  const problems: string[] = [];
  const expect = (what: string, actual: number | string | null | undefined, expected: number | string | null) => {
    if (actual !== expected) problems.push(`${ledgerCase.label}: ${what} ${actual ?? 'none'}, expected ${expected ?? 'none'}`);
  };
  expect('execution', `${run.status}${run.error ? ` ${run.error}` : ''}`, 'SUCCEEDED');
  const { counts } = run;
  if (!counts) {
    problems.push(`${ledgerCase.label}: no run report`);
    return problems;
  }
  const exported = ledgerCase.name === 'rerun' ? 0 : pairs;
  expect('pairs run', counts.pairs, exported);
  expect('objects landed', counts.objects, exported);
  expect('pairs failed', counts.failed, 0);
  expect('LinkedIn job creates', run.creates, exported);
  expect('pairs left out by the Plan', counts.alreadyLandedPairs, ledgerCase.name === 'rerun' ? pairs : 0);
  expect('days skipped', counts.skippedDays, ledgerCase.name === 'rerun' || ledgerCase.name === 'wider' ? pairs : 0);
  expect('objects superseded', counts.superseded, ledgerCase.name === 'forced' ? pairs : 0);
  expect('ledger objects', run.ledgerObjects, pairs);
  // The runner reads the report and HEADs each landed object: if the split at Summarize were off,
  // the workflow's figures would be too.
  expect("requests after Summarize (the runner's report GET + a HEAD per object)", run.afterRunRequests, 1 + counts.objects);
  return problems;
};
