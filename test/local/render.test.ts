import { eventLine, failureLine, formatBytes, progressBar, summary, table } from '../../local/runner/render';
import type { RunLocalResult } from '../../local/runner/run-local';

const ref = {
  exportType: 'activity',
  contract: 'urn:li:contract:123456',
  window: { startAt: Date.UTC(2026, 10, 26), endAt: Date.UTC(2026, 10, 27) },
};

const result = (over: Partial<RunLocalResult> = {}): RunLocalResult => ({
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
      s3Uri: 's3://b/p/seat/contract=123456/2026-11-26_2026-11-27.csv',
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
      's3://b/p/seat/contract=123456/2026-11-26_2026-11-27.csv': '/data/b/p/seat/contract=123456/2026-11-26_2026-11-27.csv._S3rver_object',
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
            counts: { pairs: 75, landed: 72, failed: 3, objects: 72, rows: 2880, bytes: 1_000_000 },
            reportUri: 's3://b/p/runs/local-x/report.json',
          },
        },
        1,
      ),
    ).toBe('Summarized: 72 of 75 pair(s) landed 72 object(s), 3 failed; report s3://b/p/runs/local-x/report.json');
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
    expect(text).toContain('  s3://b/p/seat/contract=123456/2026-11-26_2026-11-27.csv');
    expect(text).toContain('CSV files (local S3 data, kept after the run in /data):');
    expect(text).toContain('/data/b/p/seat/contract=123456/2026-11-26_2026-11-27.csv._S3rver_object');
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
