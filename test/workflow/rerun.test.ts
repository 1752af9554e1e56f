/**
 * A rerun's plan (`{"rerunOf": "<execution>"}`): exactly the failed pairs of that execution's run
 * report, each over its own planned window (lambdas/shared/workflow/rerun.ts).
 */
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { rerunTasks } from '../../lambdas/shared/workflow/rerun';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';
import { contractUrn, failedChild, plannedPairs, runReportOf, succeededChild, utcDay } from '../helpers/run-fixtures';

const windowsOf = (days: Array<[string, string]>) => days.map(([startAt, endAt]) => ({ startAt: utcDay(startAt), endAt: utcDay(endAt) }));

describe('rerunTasks', () => {
  it('plans exactly the failed pairs, each over its own window cut into jobs of at most 90 days', () => {
    // A 200-day pair (the report keeps its whole window, whatever jobs it was cut into).
    const long = plannedTask('seat', contractUrn(7), windowsOf([['2026-01-01', '2026-07-20']]));
    const week = plannedPairs([8], ['activity', 'activityOutcome']);
    const report = runReportOf('nightly-1', [
      failedChild(long, 0, 'PollDeadlineExceeded', 'still PROCESSING'),
      succeededChild(week[0]!, 1),
      failedChild(week[1]!, 2, 'LinkedInForbidden', 'no reporting access'),
    ]);

    const tasks = rerunTasks('nightly-1', JSON.parse(JSON.stringify(report)));
    expect(tasks).toEqual([
      plannedTask(
        'seat',
        contractUrn(7),
        windowsOf([
          ['2026-01-01', '2026-04-01'],
          ['2026-04-01', '2026-06-30'],
          ['2026-06-30', '2026-07-20'],
        ]),
      ),
      plannedTask('activityOutcome', contractUrn(8), windowsOf([['2026-11-01', '2026-11-08']])),
    ]);
    expect(report.pairs[0]!.window).toEqual({ startAt: utcDay('2026-01-01'), endAt: utcDay('2026-07-20') });
  });

  it('a report in which every pair landed is InvalidInput: nothing to run again', () => {
    const report = runReportOf(
      'nightly-2',
      plannedPairs([1]).map((task, i) => succeededChild(task, i)),
    );
    expect(() => rerunTasks('nightly-2', report)).toThrow(
      expect.objectContaining({
        name: ERROR_NAMES.invalidInput,
        message: 'Invalid input: rerunOf: every pair of nightly-2 landed; there is nothing to run again',
      }),
    );
  });

  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['an array', []],
    ['null', null],
    [
      'a report of another version',
      { ...runReportOf('nightly-3', [failedChild(plannedPairs([1], ['seat'])[0]!, 0, 'X', 'y')]), version: 2 },
    ],
    [
      'a report whose pair has no outcome',
      (() => {
        const report = JSON.parse(JSON.stringify(runReportOf('nightly-3', [failedChild(plannedPairs([1], ['seat'])[0]!, 0, 'X', 'y')])));
        delete report.pairs[0].outcome;
        return report;
      })(),
    ],
  ])('%s is InvalidInput: not readable as a run report', (_case, report) => {
    expect(() => rerunTasks('nightly-3', report)).toThrow(
      expect.objectContaining({
        name: ERROR_NAMES.invalidInput,
        message: 'Invalid input: rerunOf: the run report of nightly-3 is not readable as a run report',
      }),
    );
  });
});
