/**
 * `npm run bench -- --only ledger [--contracts N]`: what the export ledger costs. N contracts
 * (default 100) × every export type, one day, run four times against one simulator and one local
 * S3: the first run, a rerun (every pair left out by the Plan), a forced rerun (every pair
 * superseding its object) and a rerun over a window one day wider (every pair claims). Per run:
 * time, peak RSS, LinkedIn calls, the workflow's S3 requests by operation, history events, what
 * the ledger holds.
 */
import { renderTable } from '../table';
import { type LedgerFigures, type LedgerRunFigures, runLedgerRuns } from './runs';
import { operationsSeen, S3_AREAS } from './s3-requests';

export type LedgerBenchResult = LedgerFigures | { error: string };

export const runLedgerBench = async (options: { contracts: number }, log: (line: string) => void): Promise<LedgerBenchResult> => {
  try {
    return await runLedgerRuns({ contracts: options.contracts }, log);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
};

const AREA_LABELS: Record<(typeof S3_AREAS)[number], string> = {
  ledger: 'ledger/',
  data: 'data (objects, manifests)',
  superseded: 'superseded/',
  runs: 'runs/ (items, Map results, report)',
  elsewhere: 'elsewhere',
};

const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const perPair = (value: number, pairs: number): string => (value / pairs).toFixed(2);
const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const events = (run: LedgerRunFigures): number | undefined => (run.stats ? run.stats.parentEvents + run.stats.totalChildEvents : undefined);

export const printLedger = (ledger: LedgerBenchResult): void => {
  console.log('\n## Export ledger: what a rerun costs\n');
  if ('error' in ledger) {
    console.log(`  FAILED to run: ${ledger.error}`);
    return;
  }
  const { runs, pairs } = ledger;
  const column = (cell: (run: LedgerRunFigures) => string): string[] => runs.map(cell);
  const row = (figure: string, cell: (run: LedgerRunFigures) => string): string[] => [figure, ...column(cell)];
  const operations = operationsSeen(runs.map((run) => run.s3));
  const rows: string[][] = [
    row('window', (run) => `${run.case.from}..${run.case.to}${run.case.force ? ' force' : ''}`),
    row('execution', (run) => `${run.status}${run.error ? ` ${run.error}` : ''}${run.synthesized ? ' (synthesized*)' : ''}`),
    row('wall time s', (run) => run.wallSeconds.toFixed(1)),
    row('  of which runLocal s', (run) => run.runSeconds.toFixed(1)),
    row('peak RSS MiB (runner)', (run) => (run.peakRssBytes / 2 ** 20).toFixed(0)),
    row('CPU s, runner', (run) => run.cpuSeconds.runner.toFixed(1)),
    row('CPU s, s3rver + simulator', (run) => run.cpuSeconds.servers.toFixed(1)),
    row('pairs run (Map children)', (run) => count(run.counts?.pairs ?? 0)),
    row('pairs left out by the Plan', (run) => count(run.counts?.alreadyLandedPairs ?? 0)),
    row('objects landed', (run) => count(run.counts?.objects ?? 0)),
    row('days skipped', (run) => count(run.counts?.skippedDays ?? 0)),
    row('objects superseded', (run) => count(run.counts?.superseded ?? 0)),
    row('LinkedIn create calls', (run) => count(run.linkedIn.byRoute.createJob ?? 0)),
    row('LinkedIn calls, all', (run) => count(run.linkedIn.total)),
    row('S3 requests (workflow)', (run) => count(run.s3.total)),
    row('S3 requests per pair', (run) => perPair(run.s3.total, pairs)),
    ...operations.map((operation) => row(`  ${operation}`, (run) => count(run.s3.byOperation[operation] ?? 0))),
    row('  of which refused', (run) => count(Object.values(run.s3.refused).reduce((sum, n) => sum + n, 0))),
    ...S3_AREAS.filter((area) => runs.some((run) => run.s3.byArea[area])).map((area) =>
      row(`  on ${AREA_LABELS[area]}`, (run) => count(run.s3.byArea[area] ?? 0)),
    ),
    row('S3 requests on the ledger per pair', (run) => perPair(run.s3.byArea.ledger ?? 0, pairs)),
    row('history events (parent + children)', (run) => {
      const total = events(run);
      return total === undefined ? '–' : count(total);
    }),
    row('history events per pair', (run) => {
      const total = events(run);
      return total === undefined ? '–' : perPair(total, pairs);
    }),
    row('  parent / largest child', (run) => (run.stats ? `${run.stats.parentEvents} / ${run.stats.maxChildEvents}` : '–')),
    row('ledger objects', (run) => count(run.ledger.objects)),
    row('ledger KiB', (run) => kib(run.ledger.bytes)),
    row('ledger bytes per pair', (run) => (run.ledger.bytes / pairs).toFixed(0)),
    row('superseded/ objects stored', (run) => count(run.supersededStored)),
  ];
  console.log(
    `  ${ledger.contracts.toLocaleString('en-US')} contracts × 3 types = ${pairs.toLocaleString('en-US')} pairs, one simulator and one s3rver (in the bench's ` +
      `process) for all runs, each run in its own process; MaxConcurrency ${ledger.maxConcurrency}, time scale ${ledger.timeScale}; per pair = per pair asked\n`,
  );
  console.log(renderTable(['figure', ...runs.map((run) => run.case.label)], rows));
  for (const run of runs) {
    const refused = Object.entries(run.s3.refused)
      .map(([what, n]) => `${what} ×${n}`)
      .join(', ');
    const linkedIn = Object.entries(run.linkedIn.byRoute)
      .map(([route, n]) => `${route} ${n}`)
      .join(', ');
    console.log(
      `  ${run.case.label}: ${run.case.description}; LinkedIn ${linkedIn || 'none'}; refused ${refused || 'none'}; ` +
        `runner's after-run check (not counted above) ${run.afterRun.total} requests`,
    );
  }
  console.log(
    "  S3 requests counted at the s3rver by HTTP method, key, query and headers; workflow = up to the Summarize step's output, " +
      "the Map Run's ItemReader/ResultWriter included; conditional = If-Match/If-None-Match; COPY = x-amz-copy-source.",
  );
  if (runs.some((run) => run.synthesized)) {
    console.log(
      '  * the workflow was synthesized again inside that run (infra/ or lambdas/shared/ changed after the benchmark synthesized it): its time, CPU and RSS include a synthesis.',
    );
  }
  const mismatches = runs.flatMap((run) => run.mismatches);
  console.log(`  checks: ${mismatches.length === 0 ? 'every run did exactly what its case must' : mismatches.join('; ')}`);
};

export interface LedgerTarget {
  target: string;
  ok: boolean | undefined;
  measured: string;
}

/** One target per run: it did what its case must (cases.ts's checks). */
export const ledgerTargets = (ledger: LedgerBenchResult): LedgerTarget[] => {
  if ('error' in ledger) return [{ target: 'ledger bench runs', ok: false, measured: ledger.error.slice(0, 120) }];
  return ledger.runs.map((run) => ({
    target: `ledger bench, ${run.case.label}: ${run.case.description}`,
    ok: run.mismatches.length === 0,
    measured:
      run.mismatches.length === 0
        ? `${count(run.s3.total)} S3 requests, ${count(run.linkedIn.byRoute.createJob ?? 0)} creates: exact`
        : `${run.mismatches.length} mismatches`,
  }));
};

/** Why the ledger bench fails the benchmark (it could not run, or a run did not do what its case must), or undefined. */
export const ledgerFailed = (ledger: LedgerBenchResult | undefined): string | undefined => {
  if (!ledger) return undefined;
  if ('error' in ledger) return `the ledger bench failed: ${ledger.error}`;
  const mismatches = ledger.runs.flatMap((run) => run.mismatches);
  if (mismatches.length > 0)
    return `the ledger bench's runs did not do what they must (${mismatches.length}):\n  ${mismatches.join('\n  ')}`;
  return undefined;
};
