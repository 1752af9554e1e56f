/**
 * The run's verdict from its child executions' results (pure: lambdas/shared/workflow/summarize.ts).
 * Entries are built as AWS writes them (test/helpers/run-fixtures.ts) and read with pairReportOf.
 */
import { NO_LEDGER_NOTES } from '../../lambdas/shared/workflow/claim-steps';
import { TOLERATED_FAILURE_EXCEEDED, type ChildResult } from '../../lambdas/shared/contract/map-run';
import { MAX_RESULTS_IN_TASK, MAX_SUMMARY_BYTES } from '../../lambdas/shared/contract/quotas';
import { pairReportSchema, reportUriFromCause, runReportSchema, runSummarySchema } from '../../lambdas/shared/contract/run-report';
import type { AlreadyLandedPair, ExportTask, LedgerNotes } from '../../lambdas/shared/contract/state';
import {
  causeMessage,
  comparePairs,
  mapPairsOf,
  pairReportOf,
  summarizeRun,
  type SummarizeInput,
} from '../../lambdas/shared/workflow/summarize';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';
import {
  contractUrn,
  DAY,
  executionArnOf,
  failedChild,
  finishedTask,
  lambdaCause,
  MAP_RUN_ARN,
  NOV_1_TO_8,
  pendingChild,
  plannedPairs,
  succeededChild,
} from '../helpers/run-fixtures';

const REPORT_URI = 's3://exports/li/runs/nightly-1/report.json';
const WINDOW = '2026-11-01 to 2026-11-08 (end exclusive)';

const summarize = (entries: readonly ChildResult[], over: Partial<SummarizeInput> = {}) =>
  summarizeRun({
    executionName: 'nightly-1',
    executionArn: executionArnOf('nightly-1'),
    mapRunArn: MAP_RUN_ARN,
    plannedPairs: entries.length,
    pairs: entries.map((entry) => pairReportOf(entry)),
    reportUri: REPORT_URI,
    createdAt: '2026-11-28T06:10:00.000Z',
    ...over,
  });

const FORBIDDEN = 'LinkedIn answered 403 for urn:li:contract:103: the member has no reporting access.';

describe('summarizeRun: the verdict', () => {
  it('every pair landed: succeeded, no error, every object in the summary', () => {
    const pairs = plannedPairs([101, 102]);
    const { report, summary } = summarize(pairs.map((task, i) => succeededChild(task, i)));
    expect(summary).toMatchObject({
      outcome: 'succeeded',
      error: null,
      cause: null,
      counts: { pairs: 6, landed: 6, failed: 0, objects: 6, rows: 60, bytes: 6 * 600 },
      reportUri: REPORT_URI,
      exportsOmitted: 0,
      failed: [],
      failedOmitted: 0,
    });
    expect(summary.exports.map((e) => [e.contract, e.exportType])).toEqual(pairs.map((t) => [t.contract, t.exportType]));
    expect(report).toMatchObject({ outcome: 'succeeded', error: null, cause: null, failedByError: {}, mapRunArn: MAP_RUN_ARN });
    expect(runReportSchema.safeParse(report).success).toBe(true);
    expect(runSummarySchema.safeParse(summary).success).toBe(true);
  });

  it('some failed: PartialFailure, the cause names the counts, the errors, the first 5 failed pairs, "and N more" and the report', () => {
    // 101: seat fails; 102: lands; 103, 104: no reporting access.
    const pairs = plannedPairs([101, 102, 103, 104]);
    const entries = pairs.map((task, i) => {
      if (task.contract === contractUrn(101) && task.exportType === 'seat') return failedChild(task, i, 'ExportJobFailed', 'job 7 failed');
      if (task.contract === contractUrn(103) || task.contract === contractUrn(104))
        return failedChild(task, i, 'LinkedInForbidden', FORBIDDEN);
      return succeededChild(task, i);
    });
    const { report, summary } = summarize(entries);
    expect(summary.outcome).toBe('partial');
    expect(summary.error).toBe('PartialFailure');
    expect(summary.cause).toBe(
      '7 of 12 pairs failed (6 LinkedInForbidden, 1 ExportJobFailed); 5 landed 5 objects. ' +
        `Failed: seat urn:li:contract:101 ${WINDOW}: ExportJobFailed; ` +
        `activity urn:li:contract:103 ${WINDOW}: LinkedInForbidden; ` +
        `activityOutcome urn:li:contract:103 ${WINDOW}: LinkedInForbidden; ` +
        `seat urn:li:contract:103 ${WINDOW}: LinkedInForbidden; ` +
        `activity urn:li:contract:104 ${WINDOW}: LinkedInForbidden; and 2 more. ` +
        `Redrive the execution to run only the failed pairs again. Report: ${REPORT_URI}`,
    );
    expect(reportUriFromCause(summary.cause)).toBe(REPORT_URI);
    expect(summary.counts).toEqual({
      pairs: 12,
      landed: 5,
      failed: 7,
      objects: 5,
      rows: 50,
      bytes: 5 * 600,
      alreadyLandedPairs: 0,
      skippedDays: 0,
      resumedJobs: 0,
      superseded: 0,
      unconfirmedCreates: 0,
    });
    expect(summary.failed).toHaveLength(5);
    expect(summary.failed[0]).toEqual({
      exportType: 'seat',
      contract: contractUrn(101),
      ...NOV_1_TO_8,
      error: 'ExportJobFailed',
      cause: 'job 7 failed',
    });
    expect(summary.failedOmitted).toBe(2);
    expect(summary.exports).toHaveLength(5);
    expect(report.failedByError).toEqual({ LinkedInForbidden: 6, ExportJobFailed: 1 });
    expect(report.cause).toBe(summary.cause);
  });

  it('all failed with one error (60 × LinkedInAuthError): that error, with the token remedy', () => {
    const pairs = plannedPairs(Array.from({ length: 20 }, (_, i) => i + 1));
    const { report, summary } = summarize(
      pairs.map((task, i) => failedChild(task, i, 'LinkedInAuthError', 'LinkedIn answered 401: the access token is invalid or expired')),
    );
    expect(summary.outcome).toBe('failed');
    expect(summary.error).toBe('LinkedInAuthError');
    expect(summary.cause).toBe(
      'All 60 pairs failed with LinkedInAuthError. LinkedIn rejected the access token (missing, invalid or expired): ' +
        `put a fresh token in the secret. First: activity urn:li:contract:1 ${WINDOW}: LinkedInAuthError: ` +
        `LinkedIn answered 401: the access token is invalid or expired. Report: ${REPORT_URI}`,
    );
    expect(reportUriFromCause(summary.cause)).toBe(REPORT_URI);
    expect(summary.counts).toMatchObject({ pairs: 60, landed: 0, failed: 60, objects: 0 });
    expect(summary).toMatchObject({ exports: [], exportsOmitted: 0, failedOmitted: 55 });
    expect(report.failedByError).toEqual({ LinkedInAuthError: 60 });
  });

  it('all failed for several reasons: ExportsFailed, listing the errors by count', () => {
    const pairs = plannedPairs([1, 2]);
    const errors = [
      'LinkedInForbidden',
      'LinkedInForbidden',
      'LinkedInForbidden',
      'PollDeadlineExceeded',
      'PollDeadlineExceeded',
      'CopyFailed',
    ];
    const { summary } = summarize(pairs.map((task, i) => failedChild(task, i, errors[i]!, `cause ${i}`)));
    expect(summary.outcome).toBe('failed');
    expect(summary.error).toBe('ExportsFailed');
    expect(summary.cause).toMatch(
      /^All 6 pairs failed \(3 LinkedInForbidden, 2 PollDeadlineExceeded, 1 CopyFailed\)\. Failed: activity urn:li:contract:1 /,
    );
    expect(summary.cause).toMatch(/; and 1 more\. Report: s3:\/\/exports\/li\/runs\/nightly-1\/report\.json$/);
    expect(reportUriFromCause(summary.cause)).toBe(REPORT_URI);
  });

  it('PENDING children (the Map stopped at its tolerated failure threshold) count as failed with the Map’s error', () => {
    const pairs = plannedPairs([1, 2]);
    const notRun = { error: TOLERATED_FAILURE_EXCEEDED, cause: 'Not run: the Map stopped at its tolerated failure threshold.' };
    const entries = [
      succeededChild(pairs[0]!, 0),
      failedChild(pairs[1]!, 1, 'LinkedInForbidden', FORBIDDEN),
      failedChild(pairs[2]!, 2, 'LinkedInForbidden', FORBIDDEN),
      ...pairs.slice(3).map((task, i) => pendingChild(task, i + 3)),
    ];
    const pending = pairReportOf(entries[3]!, notRun);
    expect(pending).toMatchObject({ outcome: 'failed', error: TOLERATED_FAILURE_EXCEEDED, cause: notRun.cause, jobIds: [], objects: [] });
    expect(pending.window).toEqual(NOV_1_TO_8);

    const { report, summary } = summarize(entries, {
      pairs: entries.map((entry) => pairReportOf(entry, notRun)),
      mapFailure: { Error: TOLERATED_FAILURE_EXCEEDED, Cause: 'The tolerated failure threshold was exceeded.' },
    });
    expect(summary.counts).toMatchObject({ pairs: 6, landed: 1, failed: 5 });
    expect(summary.error).toBe('PartialFailure');
    expect(summary.cause).toContain(
      '5 of 6 pairs failed (3 States.ExceedToleratedFailureThreshold, 2 LinkedInForbidden); 1 landed 1 objects.',
    );
    expect(summary.cause).toContain(' The Map stopped at its tolerated failure threshold. ');
    expect(report.failedByError).toEqual({ [TOLERATED_FAILURE_EXCEEDED]: 3, LinkedInForbidden: 2 });
  });

  it('a Map that ended without a result for every pair fails with the Map’s own error', () => {
    const pairs = plannedPairs([1]);
    const { summary } = summarize([succeededChild(pairs[0]!, 0)], {
      plannedPairs: 3,
      mapFailure: { Error: 'States.ResultWriterFailed', Cause: lambdaCause('AccessDenied', 'Access Denied') },
    });
    expect(summary).toMatchObject({ outcome: 'failed', error: 'States.ResultWriterFailed' });
    expect(summary.cause).toBe(
      `The Distributed Map ended with results for 1 of 3 pairs: States.ResultWriterFailed Access Denied. Report: ${REPORT_URI}`,
    );
  });
});

describe('causes in AWS form', () => {
  it('a Lambda error cause ({"errorType","errorMessage","trace"}) is reduced to its message', () => {
    const [task] = plannedPairs([103], ['seat']);
    const pair = pairReportOf(failedChild(task!, 0, 'LinkedInForbidden', lambdaCause('LinkedInForbidden', FORBIDDEN)));
    expect(pair.cause).toBe(FORBIDDEN);
    expect(causeMessage(lambdaCause('X', 'the message'))).toBe('the message');
  });

  it.each([
    ['a Fail state’s own cause', 'No reporting access on urn:li:contract:1', 'No reporting access on urn:li:contract:1'],
    ['JSON without errorMessage', '{"Error":"x"}', '{"Error":"x"}'],
    ['nothing', undefined, ''],
  ])('%s stays as it is', (_case, cause, message) => {
    expect(causeMessage(cause)).toBe(message);
  });

  it('a child that timed out without an error name gets States.<status> and says how it ended', () => {
    const [task] = plannedPairs([1], ['seat']);
    const { Error: _e, Cause: _c, ...entry } = failedChild(task!, 0, '', '', 'TIMED_OUT');
    expect(pairReportOf(entry)).toMatchObject({
      outcome: 'failed',
      error: 'States.TIMED_OUT',
      cause: 'The child execution ended TIMED_OUT.',
    });
  });

  it('a result entry whose output is not an export task is refused, naming what is wrong', () => {
    const [task] = plannedPairs([1], ['seat']);
    expect(() => pairReportOf({ ...succeededChild(task!, 0), Output: '{"next":"done"}' })).toThrow(
      /^The Map Run result of arn:[^ ]+: its output is not an export task \(/,
    );
  });
});

describe('the report and the summary', () => {
  it('a landed pair reports its planned window, its job ids, its totals and its objects', () => {
    const planned = plannedTask('activity', contractUrn(5), [
      { startAt: NOV_1_TO_8.startAt, endAt: NOV_1_TO_8.startAt + 3 * DAY },
      { startAt: NOV_1_TO_8.startAt + 3 * DAY, endAt: NOV_1_TO_8.endAt },
    ]);
    const pair = pairReportOf(succeededChild(planned, 0));
    expect(pair).toMatchObject({
      outcome: 'landed',
      window: NOV_1_TO_8,
      jobIds: [6_000_000_001, 6_000_000_001],
      landed: { objects: 2, rows: 20, bytes: 1200 },
    });
    expect(pair.objects).toHaveLength(2);
  });

  it('lists every pair in plan order: contracts by number, then export types in their documented order', () => {
    const pairs = plannedPairs([100, 9, 10], ['seat', 'activity', 'activityOutcome']);
    const entries = pairs.map((task, i) => (i % 2 ? failedChild(task, i, 'LinkedInForbidden', FORBIDDEN) : succeededChild(task, i)));
    const { report } = summarize(entries.reverse());
    expect(report.pairs.map((p) => `${p.contract.slice(16)} ${p.exportType}`)).toEqual([
      '9 activity',
      '9 activityOutcome',
      '9 seat',
      '10 activity',
      '10 activityOutcome',
      '10 seat',
      '100 activity',
      '100 activityOutcome',
      '100 seat',
    ]);
    expect(
      comparePairs({ contract: contractUrn(9), exportType: 'seat' }, { contract: contractUrn(10), exportType: 'activity' }),
    ).toBeLessThan(0);
    expect(
      comparePairs({ contract: contractUrn(10), exportType: 'seat' }, { contract: contractUrn(10), exportType: 'activity' }),
    ).toBeGreaterThan(0);
  });

  it('stays under MAX_SUMMARY_BYTES for 30,000 pairs; exportsOmitted counts the rest, the report keeps every pair', () => {
    // One landed and one failed pair report as pairReportOf reads them, copied to 30,000 pairs
    // (parsing 30,000 result entries would only make the test slow).
    const [first] = plannedPairs([1]);
    const landed = pairReportOf(succeededChild(first!, 0));
    const failed = pairReportOf(failedChild(first!, 0, 'LinkedInForbidden', `${FORBIDDEN} ${'x'.repeat(2000)}`));
    const pairs = plannedPairs(Array.from({ length: 10_000 }, (_, i) => 1_000_000 + i)).map((task, i) => {
      const pair = i % 1000 === 999 ? failed : landed;
      const { contract, exportType } = task;
      return { ...pair, contract, exportType, objects: pair.objects.map((object) => ({ ...object, contract, exportType })) };
    });
    const { report, summary } = summarize([], { plannedPairs: pairs.length, pairs: [...pairs].reverse() });
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(MAX_SUMMARY_BYTES);
    expect(summary.counts).toMatchObject({ pairs: 30_000, landed: 29_970, failed: 30, objects: 29_970 });
    expect(summary.exports.length).toBeGreaterThan(0);
    expect(summary.exports.length + summary.exportsOmitted).toBe(29_970);
    // The kept ones come first in plan order.
    expect(summary.exports.slice(0, 2).map((e) => [e.contract, e.exportType])).toEqual([
      [contractUrn(1_000_000), 'activity'],
      [contractUrn(1_000_000), 'activityOutcome'],
    ]);
    expect(summary).toMatchObject({ failedOmitted: 25 });
    expect(summary.failed).toHaveLength(5);
    expect(summary.failed.every((pair) => pair.cause.length <= 400)).toBe(true);
    expect(report.pairs).toHaveLength(30_000);
    expect(report.pairs[0]).toMatchObject({ contract: contractUrn(1_000_000), exportType: 'activity' });
  });

  it('objects a pair did not keep in its state (past MAX_RESULTS_IN_TASK) count in exportsOmitted', () => {
    const windows = Array.from({ length: MAX_RESULTS_IN_TASK + 5 }, (_, i) => ({
      startAt: NOV_1_TO_8.startAt + i * DAY,
      endAt: NOV_1_TO_8.startAt + (i + 1) * DAY,
    }));
    const planned: ExportTask = plannedTask('activity', contractUrn(1), windows);
    const { summary } = summarize([succeededChild(planned, 0, finishedTask(planned, 1))]);
    expect(summary.counts.objects).toBe(MAX_RESULTS_IN_TASK + 5);
    expect(summary.exports.length + summary.exportsOmitted).toBe(MAX_RESULTS_IN_TASK + 5);
    expect(summary.exportsOmitted).toBeGreaterThanOrEqual(5);
  });
});

describe('what the export ledger changed', () => {
  const NOTES: LedgerNotes = NO_LEDGER_NOTES;
  const NOV_1_TO_3 = { startAt: NOV_1_TO_8.startAt, endAt: NOV_1_TO_8.startAt + 2 * DAY };
  const leftOut = (contract: number, exportType: AlreadyLandedPair['exportType'] = 'activity'): AlreadyLandedPair => ({
    exportType,
    contract: contractUrn(contract),
    windows: [NOV_1_TO_3],
    days: 2,
  });
  /** A pair that landed, with these notes on its final task. */
  const landedWith = (planned: ExportTask, index: number, ledger: LedgerNotes) =>
    succeededChild(planned, index, { ...finishedTask(planned), ledger });

  it('a landed pair reports its final task’s notes; a failed one has none', () => {
    const [activity, seat] = plannedPairs([1], ['activity', 'seat']);
    const ledger = { ...NOTES, resumedJobIds: [123], claimWaits: 2 };
    expect(pairReportOf(landedWith(activity!, 0, ledger)).ledger).toEqual(ledger);
    expect(pairReportOf(succeededChild(activity!, 0))).not.toHaveProperty('ledger');
    const failed = pairReportOf(failedChild({ ...seat!, ledger: { ...NOTES, skippedDays: 3 } }, 1, 'LinkedInForbidden', FORBIDDEN));
    expect(failed).not.toHaveProperty('ledger');
    expect(pairReportSchema.safeParse(failed).success).toBe(true);
  });

  it('counts resumed jobs, superseded objects and unconfirmed creates over the pairs', () => {
    const pairs = plannedPairs([1, 2], ['activity']);
    const { report, summary } = summarize([
      landedWith(pairs[0]!, 0, { ...NOTES, resumedJobIds: [11, 12], superseded: ['a', 'b', 'c'], supersededCount: 3 }),
      landedWith(pairs[1]!, 1, { ...NOTES, resumedJobIds: [13], unconfirmedCreates: 1 }),
    ]);
    expect(summary.counts).toMatchObject({ pairs: 2, resumedJobs: 3, superseded: 3, unconfirmedCreates: 1, skippedDays: 0 });
    expect(report.counts).toEqual(summary.counts);
    expect(report.pairs[0]!.ledger).toMatchObject({ resumedJobIds: [11, 12] });
    expect(runReportSchema.safeParse(report).success).toBe(true);
    expect(runSummarySchema.safeParse(summary).success).toBe(true);
  });

  it('counts every day skipped once: the pairs left out, the landed pairs’ notes, and the Plan’s cuts from failed pairs', () => {
    // The Plan cut 2 days from each Map pair and wrote them into its notes; the landed pair's
    // claim then skipped 1 more; the failed pair has no final task, only its planned notes.
    const planNotes = { ...NOTES, skipped: [NOV_1_TO_3], skippedDays: 2 };
    const [landed, failed] = plannedPairs([1], ['activity', 'seat']).map((task) => ({ ...task, ledger: planNotes }));
    const entries = [landedWith(landed!, 0, { ...planNotes, skippedDays: 3 }), failedChild(failed!, 1, 'LinkedInForbidden', FORBIDDEN)];
    const { pairs, failedPairsSkippedDays } = mapPairsOf(entries);
    expect(failedPairsSkippedDays).toBe(2);
    const { report, summary } = summarize(entries, {
      pairs,
      failedPairsSkippedDays,
      alreadyLanded: [leftOut(2), leftOut(1, 'seat')],
    });
    // 2 + 2 days of the pairs left out, 3 in the landed pair's notes, 2 cut from the failed pair.
    expect(summary.counts).toMatchObject({ pairs: 2, alreadyLandedPairs: 2, skippedDays: 9 });
    // Plan order, whatever order the Plan listed them in.
    expect(report.alreadyLanded).toEqual([leftOut(1, 'seat'), leftOut(2)]);
  });

  it('every pair already landed (the Map ran none): succeeded', () => {
    const { report, summary } = summarize([], { plannedPairs: 0, alreadyLanded: [leftOut(1), leftOut(2)] });
    expect(summary).toMatchObject({
      outcome: 'succeeded',
      error: null,
      cause: null,
      counts: { pairs: 0, landed: 0, failed: 0, alreadyLandedPairs: 2, skippedDays: 4 },
      exports: [],
      failed: [],
    });
    expect(report).toMatchObject({ outcome: 'succeeded', pairs: [], alreadyLanded: [leftOut(1), leftOut(2)] });
  });

  it('nothing planned and nothing already landed stays a failure, and so does a Map that failed', () => {
    expect(summarize([], { plannedPairs: 0 }).summary).toMatchObject({ outcome: 'failed', error: 'States.Runtime' });
    const failedMap = summarize([], {
      plannedPairs: 0,
      alreadyLanded: [leftOut(1)],
      mapFailure: { Error: 'States.ItemReaderFailed', Cause: 'Access Denied' },
    });
    expect(failedMap.summary).toMatchObject({ outcome: 'failed', error: 'States.ItemReaderFailed' });
  });

  it('a report written before the ledger is still read: no counts nor list of it means none', () => {
    const { report } = summarize(plannedPairs([1], ['seat']).map((task, i) => succeededChild(task, i)));
    const {
      alreadyLanded: _list,
      counts: { alreadyLandedPairs: _a, skippedDays: _s, resumedJobs: _r, superseded: _u, unconfirmedCreates: _c, ...counts },
      ...rest
    } = report;
    const parsed = runReportSchema.parse(JSON.parse(JSON.stringify({ ...rest, counts })));
    expect(parsed).toEqual(report);
  });
});
