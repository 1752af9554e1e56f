import {
  eventLine,
  failureLine,
  formatBytes,
  LEDGER_ROWS,
  type LedgerChanges,
  ledgerLines,
  progressBar,
  summary,
  table,
} from '../../local/runner/render';
import type { RunLocalResult } from '../../local/runner/run-local';
import type { RunCounts } from '../../lambdas/shared/contract/run-report';

/** Counts of a run the export ledger changed nothing about. */
const NO_LEDGER = { alreadyLandedPairs: 0, skippedDays: 0, resumedJobs: 0, superseded: 0, unconfirmedCreates: 0 };
const countsOf = (over: Partial<RunCounts> = {}): RunCounts => ({
  pairs: 1,
  landed: 1,
  failed: 0,
  objects: 1,
  rows: 0,
  bytes: 120,
  ...NO_LEDGER,
  ...over,
});

const ref = {
  exportType: 'activity',
  contract: 'urn:li:contract:123456',
  window: { startAt: Date.UTC(2026, 10, 26), endAt: Date.UTC(2026, 10, 27) },
};

const result = (over: Partial<RunLocalResult> = {}): RunLocalResult => ({
  ledger: null,
  status: 'SUCCEEDED',
  error: null,
  cause: null,
  exports: [
    {
      exportType: 'seat',
      contract: 'urn:li:contract:123456',
      startAt: Date.UTC(2026, 10, 26),
      endAt: Date.UTC(2026, 10, 27),
      jobIds: [6000000001],
      rowCount: 0,
      bytes: 120,
      sha256: 'ab'.repeat(32),
      s3Uri: 's3://b/p/seat/contract=123456/dt=2026-11-26/2026-11-26_2026-11-27.csv',
      manifestUri: 's3://b/p/manifests/seat/contract=123456/2026-11-26_2026-11-27.manifest.json',
      objects: 1,
      empty: true,
    },
  ],
  failed: [],
  counts: null,
  reportUri: null,
  stats: null,
  executionName: 'local-x',
  s3: {
    bucket: 'b',
    endpoint: 'http://127.0.0.1:1',
    directory: '/data',
    files: {
      's3://b/p/seat/contract=123456/dt=2026-11-26/2026-11-26_2026-11-27.csv':
        '/data/b/p/seat/contract=123456/dt=2026-11-26/2026-11-26_2026-11-27.csv._S3rver_object',
    },
  },
  linkedIn: { baseUrl: 'http://127.0.0.1:2/v2', simulated: true },
  durationMs: 4200,
  ...over,
});

describe('progress lines', () => {
  it('says the job, its status, the check count and the next wait (ASL seconds and local seconds)', () => {
    expect(
      eventLine(
        { kind: 'jobChecked', export: ref, jobId: 42, status: 'PROCESSING', polls: 2, next: 'poll', waitSeconds: 90, attempt: 0 },
        0.1,
      ),
    ).toBe('activity 123456 2026-11-26..2026-11-27: job 42 PROCESSING, check 2, next check in 1 min 30 s, 9.0 s here');
    expect(eventLine({ kind: 'jobChecked', export: ref, jobId: 42, polls: 1, next: 'dataDelay', waitSeconds: 10800, attempt: 1 }, 1)).toBe(
      'activity 123456 2026-11-26..2026-11-27: job 42 data not refreshed yet (DATA_DELAY), attempt 1, new job in 3 h 00 min',
    );
    expect(eventLine({ kind: 'jobChecked', export: ref, jobId: 42, polls: 1, next: 'split', waitSeconds: 0, attempt: 0 }, 1)).toMatch(
      /in halves/,
    );
    expect(
      eventLine(
        { kind: 'retrying', state: 'Check export job', export: ref, error: 'LinkedInThrottled', cause: 'HTTP 429\n slow down', attempt: 1 },
        1,
      ),
    ).toBe('activity 123456 2026-11-26..2026-11-27: Check export job failed with LinkedInThrottled (HTTP 429 slow down); retry 1');
  });

  it('says what the Plan planned, which pair failed and how the run was summarized', () => {
    expect(
      eventLine({ kind: 'planned', pairs: 75, contracts: 25, exportTypes: ['activity', 'activityOutcome', 'seat'], window: ref.window }, 1),
    ).toBe('Planned 75 pair(s): 25 contract(s) × activity, activityOutcome, seat, 2026-11-26..2026-11-27');
    expect(eventLine({ kind: 'pairFailed', export: ref, error: 'LinkedInForbidden', cause: 'HTTP 403\n no access' }, 1)).toBe(
      'activity 123456 2026-11-26..2026-11-27: FAILED with LinkedInForbidden: HTTP 403 no access',
    );
    expect(
      eventLine(
        {
          kind: 'summarized',
          summary: {
            outcome: 'partial',
            counts: { pairs: 75, landed: 72, failed: 3, objects: 72, rows: 2880, bytes: 1_000_000, ...NO_LEDGER },
            reportUri: 's3://b/p/runs/local-x/report.json',
          },
        },
        1,
      ),
    ).toBe('Summarized: 72 of 75 pair(s) landed 72 object(s), 3 failed; report s3://b/p/runs/local-x/report.json');
    expect(
      eventLine(
        {
          kind: 'summarized',
          summary: {
            outcome: 'succeeded',
            counts: countsOf({ pairs: 0, landed: 0, objects: 0, alreadyLandedPairs: 3, skippedDays: 6 }),
            reportUri: 's3://b/p/runs/local-x/report.json',
          },
        },
        1,
      ),
    ).toBe(
      'Summarized: 0 of 0 pair(s) landed 0 object(s), 0 failed, 6 days already landed (skipped); report s3://b/p/runs/local-x/report.json',
    );
  });

  it('draws a progress bar with bytes, percent and MB/s', () => {
    expect(
      progressBar({ kind: 'copyProgress', export: ref, bytes: 5 * 1024 * 1024, total: 10 * 1024 * 1024, bytesPerSecond: 2_500_000 }, 10),
    ).toBe('[#####.....]  50%  5.0 MiB / 10.0 MiB  2.5 MB/s  activity 123456 2026-11-26..2026-11-27');
  });

  it('formats sizes', () => {
    expect([0, 2048, 3 * 1024 * 1024, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '2.0 KiB', '3.0 MiB', '5.00 GiB']);
  });
});

describe('summary', () => {
  it('tables the landed objects and says where the CSVs are', () => {
    const text = summary(result());
    expect(text).toContain('seat  urn:li:contract:123456  2026-11-26..2026-11-27  0 (empty)  120 B  abababababab…  6000000001');
    expect(text).toContain('  s3://b/p/seat/contract=123456/dt=2026-11-26/2026-11-26_2026-11-27.csv');
    expect(text).toContain('CSV files (local S3 data, kept after the run in /data):');
    expect(text).toContain('/data/b/p/seat/contract=123456/dt=2026-11-26/2026-11-26_2026-11-27.csv._S3rver_object');
    expect(text).toMatch(/SUCCEEDED: 1 export\(s\) landed and verified in 4\.2 s\.$/);
  });

  it('ends a failure with the error name and a one-line cause', () => {
    const failed = result({ status: 'FAILED', error: 'LinkedInAuthError', cause: 'token\nexpired', exports: [] });
    expect(summary(failed)).toBe('FAILED after 4.2 s: LinkedInAuthError: token expired');
    expect(failureLine(failed)).toBe('LinkedInAuthError: token expired');
  });

  it('pads table columns', () => {
    expect(table(['A', 'BB'], [['xxx', 'y']])).toBe('A    BB\n---  --\nxxx  y');
  });
});

describe('what the export ledger changed', () => {
  const NOV = (day: number) => Date.UTC(2026, 10, day);
  const changes = (over: Partial<LedgerChanges> = {}, counts: Partial<LedgerChanges['counts']> = {}): LedgerChanges => ({
    counts: { ...NO_LEDGER, ...counts },
    skipped: [],
    resumedJobIds: [],
    superseded: [],
    ...over,
  });

  it('says nothing when it changed nothing', () => {
    expect(ledgerLines(changes())).toEqual([]);
  });

  it('lists the days already landed, the jobs resumed, the objects superseded and the creates unconfirmed', () => {
    const lines = ledgerLines(
      changes(
        {
          skipped: [
            { exportType: 'activity', contract: 'urn:li:contract:1', windows: [{ startAt: NOV(1), endAt: NOV(3) }] },
            {
              exportType: 'seat',
              contract: 'urn:li:contract:1',
              windows: [
                { startAt: NOV(1), endAt: NOV(2) },
                { startAt: NOV(5), endAt: NOV(6) },
              ],
            },
          ],
          resumedJobIds: [123],
          superseded: ['p/activity/contract=1/2026-11-01_2026-11-08.csv', 'p/activity/contract=1/2026-11-08_2026-11-09.csv'],
        },
        { alreadyLandedPairs: 1, skippedDays: 4, resumedJobs: 1, superseded: 2, unconfirmedCreates: 1 },
      ),
    );
    expect(lines).toEqual([
      'Already landed (skipped): 2 pairs, 4 days',
      '  activity urn:li:contract:1 2026-11-01 → 2026-11-03 (end exclusive) already landed',
      '  seat urn:li:contract:1 2026-11-01 → 2026-11-02, 2026-11-05 → 2026-11-06 (end exclusive) already landed',
      'Resumed LinkedIn jobs: 1 (job 123)',
      'Superseded: 2 objects moved to superseded/',
      '  p/activity/contract=1/2026-11-01_2026-11-08.csv',
      '  p/activity/contract=1/2026-11-08_2026-11-09.csv',
      'Unconfirmed creates: 1 (see npm run cli -- ledger)',
    ]);
  });

  it(`lists at most ${LEDGER_ROWS} pairs, jobs and objects, then says how many more`, () => {
    const many = 25;
    const lines = ledgerLines(
      changes(
        {
          skipped: Array.from({ length: many }, (_, i) => ({
            exportType: 'activity' as const,
            contract: `urn:li:contract:${i}`,
            windows: [{ startAt: NOV(1), endAt: NOV(2) }],
          })),
          resumedJobIds: Array.from({ length: many }, (_, i) => 1000 + i),
          superseded: Array.from({ length: many }, (_, i) => `k${i}`),
        },
        { alreadyLandedPairs: many, skippedDays: many, resumedJobs: many, superseded: 40 },
      ),
    );
    expect(lines.filter((line) => line.endsWith('already landed'))).toHaveLength(LEDGER_ROWS);
    expect(lines).toContain(`  … and ${many - LEDGER_ROWS} more`);
    expect(lines).toContain(`Resumed LinkedIn jobs: ${many} (jobs 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009 and 15 more)`);
    expect(lines.filter((line) => /^ {2}k\d+$/.test(line))).toHaveLength(LEDGER_ROWS);
    expect(lines).toContain(`  … and ${40 - LEDGER_ROWS} more`);
  });

  it('npm start’s summary shows them above the verdict, which says how many days had already landed', () => {
    const ledger = changes(
      { skipped: [{ exportType: 'activity', contract: 'urn:li:contract:1', windows: [{ startAt: NOV(1), endAt: NOV(3) }] }] },
      { alreadyLandedPairs: 1, skippedDays: 2 },
    );
    const text = summary({ ...result({ counts: countsOf({ alreadyLandedPairs: 1, skippedDays: 2 }) }), ledger });
    expect(text).toContain(
      'Already landed (skipped): 1 pair, 2 days\n  activity urn:li:contract:1 2026-11-01 → 2026-11-03 (end exclusive) already landed\n\nSUCCEEDED',
    );
    expect(text).toMatch(/SUCCEEDED: 1 export\(s\) landed and verified in 4\.2 s \(1 pair\(s\)\); 2 days already landed \(skipped\)\.$/);
  });

  it('without the lists, the counts alone', () => {
    const text = summary(result({ counts: countsOf({ alreadyLandedPairs: 2, skippedDays: 5, resumedJobs: 1 }) }));
    expect(text).toContain('Already landed (skipped): 5 days, 2 pairs left out entirely\nResumed LinkedIn jobs: 1\n');
    expect(summary(result({ counts: countsOf({ skippedDays: 1 }) }))).toMatch(/^Already landed \(skipped\): 1 day\n/m);
  });

  it('a run in which every day asked had already landed succeeds with nothing to export, and says so', () => {
    const counts = countsOf({ pairs: 0, landed: 0, objects: 0, bytes: 0, alreadyLandedPairs: 3, skippedDays: 6 });
    const text = summary(result({ exports: [], counts }));
    expect(text).toMatch(/^Already landed \(skipped\): 6 days, 3 pairs left out entirely\n/);
    expect(text).toMatch(/SUCCEEDED in 4\.2 s: nothing to export, every day asked had already landed \(3 pairs, 6 days\)\.$/);
  });
});
