import { handlerConfig } from '../helpers/runtime-config';
import { ERROR_NAMES, NamedError } from '../../lambdas/shared/contract/error-names';
import {
  parseExecutionInput,
  planExports,
  planSettingsFromConfig,
  planTasks,
  resolvePlanRequest,
  type PlanSettings,
} from '../../lambdas/shared/workflow/input';
import type { ExportTask } from '../../lambdas/shared/contract/state';
import { formatUtcDay } from '../../lambdas/shared/contract/utc-day';

const STARTED = '2026-11-28T06:00:01.234Z';
const A = 'urn:li:contract:111';
const B = 'urn:li:contract:222';
const day = (text: string): number => Date.parse(`${text}T00:00:00Z`);
const settings: PlanSettings = {
  contracts: [A, B],
  exportTypes: ['activity', 'seat'],
  lagDays: 1,
  windowDays: 1,
  earliestDay: day('2014-01-01'),
  discoverContracts: false,
};

const windowsOf = (task: ExportTask) => task.pending.map((w) => `${formatUtcDay(w.startAt)}_${formatUtcDay(w.endAt)}`);

/** The InvalidInput message planExports throws for `input`. */
const rejection = (input: unknown, overrides: Partial<PlanSettings> = {}): string => {
  try {
    planExports(input, STARTED, { ...settings, ...overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(NamedError);
    expect((error as NamedError).name).toBe(ERROR_NAMES.invalidInput);
    return (error as NamedError).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

describe('planExports: accepted input', () => {
  it('{} plans the default window for every configured contract × export type, contracts outer', () => {
    const { exports } = planExports({}, STARTED, settings);
    expect(exports.map((t) => [t.contract, t.exportType])).toEqual([
      [A, 'activity'],
      [A, 'seat'],
      [B, 'activity'],
      [B, 'seat'],
    ]);
    for (const task of exports) {
      expect(task).toEqual({
        exportType: task.exportType,
        contract: task.contract,
        pending: [{ startAt: day('2026-11-26'), endAt: day('2026-11-27') }],
        results: [],
        landed: { objects: 0, rows: 0, bytes: 0 },
        steps: 0,
        jobIds: [],
        retries: { recreate: 0, dataDelay: 0 },
        next: 'claim',
        reason: 'planned',
        waitSeconds: 0,
      });
      expect(task).not.toHaveProperty('job');
      // Unforced tasks carry no force field at all.
      expect(task).not.toHaveProperty('force');
    }
  });

  it('tasks do not share their pending arrays (each Map item is modified on its own)', () => {
    const { exports } = planExports({}, STARTED, settings);
    expect(exports[0]!.pending).not.toBe(exports[1]!.pending);
    expect(exports[0]!.pending[0]).not.toBe(exports[1]!.pending[0]);
  });

  it('an explicit window with ISO dates, chosen types and contracts, in the given order', () => {
    const { exports } = planExports(
      { exportTypes: ['seat', 'activityOutcome'], contracts: [B], startAt: '2026-11-01', endAt: '2026-11-08' },
      STARTED,
      settings,
    );
    expect(exports.map((t) => [t.contract, t.exportType, windowsOf(t)])).toEqual([
      [B, 'seat', ['2026-11-01_2026-11-08']],
      [B, 'activityOutcome', ['2026-11-01_2026-11-08']],
    ]);
  });

  it('epoch milliseconds at 00:00 UTC are the same days as ISO dates', () => {
    const iso = planExports({ startAt: '2026-11-01', endAt: '2026-11-08' }, STARTED, settings);
    const epoch = planExports({ startAt: day('2026-11-01'), endAt: day('2026-11-08') }, STARTED, settings);
    expect(epoch).toEqual(iso);
  });

  it('a range longer than 90 days is cut into consecutive jobs', () => {
    const { exports } = planExports(
      { contracts: [A], exportTypes: ['activity'], startAt: '2025-11-01', endAt: '2026-11-01' },
      STARTED,
      settings,
    );
    expect(windowsOf(exports[0]!)).toEqual([
      '2025-11-01_2026-01-30',
      '2026-01-30_2026-04-30',
      '2026-04-30_2026-07-29',
      '2026-07-29_2026-10-27',
      '2026-10-27_2026-11-01',
    ]);
  });

  it.each([
    ['2026-11-28T06:00:00Z', 1, 1, ['2026-11-26_2026-11-27']],
    ['2026-11-28T06:00:00Z', 0, 1, ['2026-11-27_2026-11-28']],
    ['2026-11-28T06:00:00Z', 1, 7, ['2026-11-20_2026-11-27']],
    ['2027-01-01T06:00:00Z', 1, 1, ['2026-12-30_2026-12-31']],
    ['2026-11-28T06:00:00Z', 1, 200, ['2026-05-11_2026-08-09', '2026-08-09_2026-11-07', '2026-11-07_2026-11-27']],
  ])('{scheduledTime: %s} with lag %i, %i day(s) → %j', (scheduledTime, lagDays, windowDays, expected) => {
    // The execution starts late (a retry two days later): the window still follows scheduledTime.
    const { exports } = planExports({ scheduledTime }, '2027-01-03T09:00:00Z', { ...settings, lagDays, windowDays });
    expect(exports).toHaveLength(4);
    for (const task of exports) expect(windowsOf(task)).toEqual(expected);
  });

  it('the default window follows the execution start time and the lag', () => {
    const { exports } = planExports({}, '2027-01-01T00:00:00Z', { ...settings, lagDays: 2, windowDays: 3 });
    expect(windowsOf(exports[0]!)).toEqual(['2026-12-27_2026-12-30']);
  });

  it.each([
    ['the current day (partial data, knowingly asked for)', '2026-11-28', '2026-11-29'],
    ['the last complete day', '2026-11-27', '2026-11-28'],
  ])('a window ending at the end of %s is allowed', (_what, startAt, endAt) => {
    const { exports } = planExports({ startAt, endAt }, STARTED, settings);
    expect(windowsOf(exports[0]!)).toEqual([`${startAt}_${endAt}`]);
  });

  it('scheduledTime may be combined with exportTypes and contracts', () => {
    const { exports } = planExports({ scheduledTime: '2026-11-28T06:00:00Z', contracts: [A], exportTypes: ['seat'] }, STARTED, settings);
    expect(exports.map((t) => [t.contract, t.exportType, windowsOf(t)])).toEqual([[A, 'seat', ['2026-11-26_2026-11-27']]]);
  });

  it('contracts given in the input work when none are configured', () => {
    const { exports } = planExports({ contracts: [A] }, STARTED, { ...settings, contracts: [] });
    expect(exports.map((t) => t.contract)).toEqual([A, A]);
  });
});

describe('force', () => {
  it.each<[string, Record<string, unknown>]>([
    ['{}', {}],
    ['an explicit window', { startAt: '2026-11-01', endAt: '2026-11-08' }],
    ['scheduledTime', { scheduledTime: '2026-11-28T06:00:00Z' }],
    ['contracts and exportTypes', { contracts: [B], exportTypes: ['seat'] }],
  ])('"force": true with %s marks every planned task force: true', (_case, input) => {
    const forced = planExports({ ...input, force: true }, STARTED, settings).exports;
    const plain = planExports(input, STARTED, settings).exports;
    expect(forced.length).toBeGreaterThan(0);
    // The same pairs and windows, each forced.
    expect(forced).toEqual(plain.map((task) => ({ ...task, force: true })));
  });

  it('"force": false is the default: no task carries the field', () => {
    const { exports } = planExports({ force: false }, STARTED, settings);
    expect(exports).toEqual(planExports({}, STARTED, settings).exports);
    for (const task of exports) expect(task).not.toHaveProperty('force');
  });

  it('the resolved request says whether it is forced', () => {
    expect(resolvePlanRequest({ force: true }, STARTED, settings)).toMatchObject({ force: true });
    expect(resolvePlanRequest({}, STARTED, settings)).toMatchObject({ force: false });
  });

  it.each<[string, unknown, string]>([
    ['a string', 'true', '"true"'],
    ['a number', 1, '1'],
    ['null', null, 'null'],
    ['a list', [true], 'an array'],
  ])('refuses %s: force is a JSON boolean only', (_case, force, shown) => {
    expect(rejection({ force })).toBe(
      `Invalid input: force: ${shown} is not true or false (true exports the days again even if they landed; leave it out or give false otherwise)`,
    );
  });
});

describe('planExports: invalid input fails with InvalidInput naming the field', () => {
  const HINT = '(use YYYY-MM-DD or epoch milliseconds at 00:00 UTC)';
  const OBJECT = 'Invalid input: expected a JSON object such as {} or {"startAt": "2026-11-01", "endAt": "2026-11-08"}, got';
  const EARLIEST = '2014-01-01, the earliest day this deployment exports (earliestDay in cdk.json)';
  const LATEST = 'the execution started 2026-11-28T06:00:01.234Z, so the latest allowed endAt is 2026-11-29 (end exclusive)';

  it.each<[string, unknown, string]>([
    ['null', null, `${OBJECT} null`],
    ['an array', [], `${OBJECT} an array`],
    ['a string', '{"startAt": "2026-11-01"}', `${OBJECT} "{\\"startAt\\": \\"2026-11-01\\"}"`],
    ['a number', 42, `${OBJECT} 42`],
    ['absent (undefined)', undefined, `${OBJECT} nothing`],
    [
      'an unknown field',
      { startDate: '2026-11-01' },
      'Invalid input: unknown field "startDate" (allowed: exportTypes, contracts, startAt, endAt, scheduledTime, rerunOf, force)',
    ],
    [
      'two unknown fields',
      { from: 1, to: 2 },
      'Invalid input: unknown fields "from", "to" (allowed: exportTypes, contracts, startAt, endAt, scheduledTime, rerunOf, force)',
    ],
    [
      'exportTypes of the wrong type',
      { exportTypes: 'activity' },
      'Invalid input: exportTypes: must be a list of export types, got "activity"',
    ],
    [
      'an empty exportTypes',
      { exportTypes: [] },
      'Invalid input: exportTypes: must not be empty (leave the field out to export every configured type)',
    ],
    [
      'an unknown export type',
      { exportTypes: ['activity', 'Activity'] },
      'Invalid input: exportTypes[1]: "Activity" is not an export type (use activity, activityOutcome or seat)',
    ],
    [
      'an export type of the wrong type',
      { exportTypes: [1] },
      'Invalid input: exportTypes[0]: 1 is not an export type (use activity, activityOutcome or seat)',
    ],
    [
      'a duplicate export type',
      { exportTypes: ['seat', 'activity', 'seat'] },
      'Invalid input: exportTypes: "seat" is listed more than once',
    ],
    ['contracts of the wrong type', { contracts: { id: 1 } }, 'Invalid input: contracts: must be a list of contract URNs, got an object'],
    [
      'an empty contracts',
      { contracts: [] },
      'Invalid input: contracts: must not be empty (leave the field out to export every configured contract)',
    ],
    [
      'a bare contract id',
      { contracts: ['123456'] },
      'Invalid input: contracts[0]: "123456" is not a contract URN (use urn:li:contract:<digits>, e.g. urn:li:contract:123456)',
    ],
    [
      'a malformed contract URN',
      { contracts: [A, 'urn:li:contract:12a'] },
      'Invalid input: contracts[1]: "urn:li:contract:12a" is not a contract URN (use urn:li:contract:<digits>, e.g. urn:li:contract:123456)',
    ],
    [
      'a contract URN of another entity',
      { contracts: ['urn:li:organization:1'] },
      'Invalid input: contracts[0]: "urn:li:organization:1" is not a contract URN (use urn:li:contract:<digits>, e.g. urn:li:contract:123456)',
    ],
    [
      'a contract of the wrong type',
      { contracts: [123456] },
      'Invalid input: contracts[0]: 123456 is not a contract URN (use urn:li:contract:<digits>, e.g. urn:li:contract:123456)',
    ],
    [
      'a very long value (cut in the message)',
      { startAt: 'x'.repeat(500), endAt: '2026-11-08' },
      `Invalid input: startAt: "${'x'.repeat(59)}…" (500 characters) is not a date ${HINT}`,
    ],
    ['a duplicate contract', { contracts: [A, B, A] }, `Invalid input: contracts: "${A}" is listed more than once`],
    ['a month 13', { startAt: '2026-13-01', endAt: '2026-11-08' }, `Invalid input: startAt: "2026-13-01" is not a date ${HINT}`],
    [
      'a day that does not exist',
      { startAt: '2026-11-01', endAt: '2026-02-30' },
      `Invalid input: endAt: "2026-02-30" is not a date ${HINT}`,
    ],
    [
      'a date-time instead of a date',
      { startAt: '2026-11-01T00:00:00Z', endAt: '2026-11-08' },
      `Invalid input: startAt: "2026-11-01T00:00:00Z" is not a date ${HINT}`,
    ],
    ['a day-first date', { startAt: '01/11/2026', endAt: '2026-11-08' }, `Invalid input: startAt: "01/11/2026" is not a date ${HINT}`],
    ['a boolean date', { startAt: true, endAt: '2026-11-08' }, `Invalid input: startAt: true is not a date ${HINT}`],
    ['a null date', { startAt: '2026-11-01', endAt: null }, `Invalid input: endAt: null is not a date ${HINT}`],
    ['a fractional epoch', { startAt: 1.5, endAt: '2026-11-08' }, `Invalid input: startAt: 1.5 is not a date ${HINT}`],
    ['a negative epoch', { startAt: -86_400_000, endAt: '2026-11-08' }, `Invalid input: startAt: -86400000 is not a date ${HINT}`],
    [
      'epoch seconds as a string',
      { startAt: '1793577600', endAt: '2026-11-08' },
      `Invalid input: startAt: "1793577600" is not a date ${HINT}`,
    ],
    [
      'an epoch that is not midnight',
      { startAt: day('2026-11-01') + 6 * 3_600_000, endAt: '2026-11-08' },
      `Invalid input: startAt: ${day('2026-11-01') + 6 * 3_600_000} (2026-11-01T06:00:00.000Z) is not at 00:00 UTC (windows are whole UTC days; use YYYY-MM-DD or epoch milliseconds at 00:00 UTC)`,
    ],
    [
      'epoch seconds at midnight',
      { startAt: day('2026-11-01') / 1000, endAt: '2026-11-08' },
      `Invalid input: startAt: ${day('2026-11-01') / 1000} looks like epoch seconds (2026-11-01); use YYYY-MM-DD or epoch milliseconds at 00:00 UTC, e.g. ${day('2026-11-01')}`,
    ],
    [
      'startAt equal to endAt',
      { startAt: '2026-11-08', endAt: '2026-11-08' },
      'Invalid input: startAt: 2026-11-08 is not before endAt 2026-11-08 (startAt is inclusive, endAt exclusive: one day is e.g. "startAt": "2026-11-01", "endAt": "2026-11-02")',
    ],
    [
      'startAt after endAt',
      { startAt: '2026-11-08', endAt: '2026-11-01' },
      'Invalid input: startAt: 2026-11-08 is not before endAt 2026-11-01 (startAt is inclusive, endAt exclusive: one day is e.g. "startAt": "2026-11-01", "endAt": "2026-11-02")',
    ],
    [
      'only startAt',
      { startAt: '2026-11-01' },
      'Invalid input: endAt: missing; give both startAt (inclusive) and endAt (exclusive), or neither for the default window',
    ],
    [
      'only endAt',
      { endAt: '2026-11-08' },
      'Invalid input: startAt: missing; give both startAt (inclusive) and endAt (exclusive), or neither for the default window',
    ],
    [
      'a window ending after today',
      { startAt: '2026-11-28', endAt: '2026-11-30' },
      `Invalid input: endAt: 2026-11-30 is in the future: ${LATEST}`,
    ],
    [
      'a window in the next year',
      { startAt: '2027-01-01', endAt: '2027-01-02' },
      `Invalid input: endAt: 2027-01-02 is in the future: ${LATEST}`,
    ],
    [
      'scheduledTime that is not ISO-8601',
      { scheduledTime: 'Sat, 28 Nov 2026 06:00:00 GMT' },
      'Invalid input: scheduledTime: "Sat, 28 Nov 2026 06:00:00 GMT" is not an ISO-8601 date-time (the schedule sends <aws.scheduler.scheduled-time>, e.g. "2026-11-28T06:00:00Z")',
    ],
    [
      'scheduledTime without a zone',
      { scheduledTime: '2026-11-28T06:00:00' },
      'Invalid input: scheduledTime: "2026-11-28T06:00:00" is not an ISO-8601 date-time (the schedule sends <aws.scheduler.scheduled-time>, e.g. "2026-11-28T06:00:00Z")',
    ],
    [
      'scheduledTime on a day that does not exist',
      { scheduledTime: '2026-02-30T06:00:00Z' },
      'Invalid input: scheduledTime: "2026-02-30T06:00:00Z" is not an ISO-8601 date-time (the schedule sends <aws.scheduler.scheduled-time>, e.g. "2026-11-28T06:00:00Z")',
    ],
    [
      'scheduledTime as epoch ms',
      { scheduledTime: 1_795_845_600_000 },
      'Invalid input: scheduledTime: 1795845600000 is not an ISO-8601 date-time (the schedule sends <aws.scheduler.scheduled-time>, e.g. "2026-11-28T06:00:00Z")',
    ],
    [
      'an unresolved scheduler placeholder',
      { scheduledTime: '<aws.scheduler.scheduled-time>' },
      'Invalid input: scheduledTime: "<aws.scheduler.scheduled-time>" is not an ISO-8601 date-time (the schedule sends <aws.scheduler.scheduled-time>, e.g. "2026-11-28T06:00:00Z")',
    ],
    [
      'scheduledTime with startAt/endAt',
      { scheduledTime: '2026-11-28T06:00:00Z', startAt: '2026-11-01', endAt: '2026-11-08' },
      'Invalid input: scheduledTime cannot be combined with startAt/endAt (a scheduled run derives its window from scheduledTime; give startAt and endAt alone for an explicit window)',
    ],
    [
      'scheduledTime with endAt only',
      { scheduledTime: '2026-11-28T06:00:00Z', endAt: '2026-11-08' },
      'Invalid input: scheduledTime cannot be combined with startAt/endAt (a scheduled run derives its window from scheduledTime; give startAt and endAt alone for an explicit window)',
    ],
    [
      'scheduledTime whose window is in the future',
      { scheduledTime: '2026-12-05T06:00:00Z' },
      `Invalid input: scheduledTime: 2026-12-05T06:00:00.000Z gives the window 2026-12-03 to 2026-12-04 (end exclusive), which is in the future: ${LATEST}`,
    ],
    [
      'a startAt before the earliest day',
      { startAt: '1900-01-01', endAt: '2026-11-08' },
      `Invalid input: startAt: 1900-01-01 is before ${EARLIEST}`,
    ],
    [
      'year 1 (thousands of jobs otherwise)',
      { startAt: '0001-01-01', endAt: '2026-11-08' },
      `Invalid input: startAt: 0001-01-01 is before ${EARLIEST}`,
    ],
    ['epoch 0 (1970-01-01)', { startAt: 0, endAt: '2026-11-08' }, `Invalid input: startAt: 1970-01-01 is before ${EARLIEST}`],
    [
      'a window entirely before the earliest day',
      { startAt: '1900-01-01', endAt: '1900-01-08' },
      `Invalid input: startAt: 1900-01-01 is before ${EARLIEST}; endAt: 1900-01-08 is not after ${EARLIEST}`,
    ],
    [
      'an endAt on the earliest day (end exclusive: no day left)',
      { startAt: '2013-12-31', endAt: '2014-01-01' },
      `Invalid input: startAt: 2013-12-31 is before ${EARLIEST}; endAt: 2014-01-01 is not after ${EARLIEST}`,
    ],
    [
      'a scheduledTime in 1900',
      { scheduledTime: '1900-01-03T06:00:00Z' },
      `Invalid input: scheduledTime: 1900-01-03T06:00:00.000Z gives the window 1900-01-01 to 1900-01-02 (end exclusive), which starts before ${EARLIEST}`,
    ],
  ])('%s', (_case, input, message) => {
    expect(rejection(input)).toBe(message);
  });

  it('accepts the earliest day itself', () => {
    const { exports } = planExports({ startAt: '2014-01-01', endAt: '2014-01-02' }, STARTED, settings);
    expect(windowsOf(exports[0]!)).toEqual(['2014-01-01_2014-01-02']);
  });

  it('takes the earliest day from the settings', () => {
    expect(rejection({ startAt: '2019-12-31', endAt: '2020-01-02' }, { earliestDay: day('2020-01-01') })).toBe(
      'Invalid input: startAt: 2019-12-31 is before 2020-01-01, the earliest day this deployment exports (earliestDay in cdk.json)',
    );
    expect(rejection({}, { earliestDay: day('2026-11-27') })).toBe(
      'Invalid input: the default window 2026-11-26 to 2026-11-27 (end exclusive) starts before 2026-11-27, the earliest day this deployment exports (earliestDay in cdk.json)',
    );
  });

  it('no contracts configured and none given', () => {
    expect(rejection({}, { contracts: [] })).toBe(
      'Invalid input: contracts: none given and none configured (pass e.g. "contracts": ["urn:li:contract:123456"], or set the deployment\'s contracts or discoverContracts)',
    );
  });

  it('no export types configured and none given', () => {
    expect(rejection({}, { exportTypes: [] })).toBe(
      'Invalid input: exportTypes: none given and none configured (pass e.g. "exportTypes": ["activity"]; use activity, activityOutcome or seat)',
    );
  });

  it('reports every problem at once, field problems first', () => {
    expect(rejection({ startAt: 'soon', exportTypes: ['x'], extra: true })).toBe(
      'Invalid input: exportTypes[0]: "x" is not an export type (use activity, activityOutcome or seat); ' +
        `startAt: "soon" is not a date ${HINT}; ` +
        'unknown field "extra" (allowed: exportTypes, contracts, startAt, endAt, scheduledTime, rerunOf, force)',
    );
    expect(rejection({ endAt: '2026-11-08' }, { contracts: [] })).toBe(
      'Invalid input: contracts: none given and none configured (pass e.g. "contracts": ["urn:li:contract:123456"], or set the deployment\'s contracts or discoverContracts); ' +
        'startAt: missing; give both startAt (inclusive) and endAt (exclusive), or neither for the default window',
    );
  });

  // Inputs stay under Step Functions' 256 KiB, which the Plan checks first.
  it('lists at most five problems, then how many more', () => {
    const contracts = Array.from({ length: 2_000 }, (_, i) => `urn:li:contract:${i}`);
    expect(rejection({ contracts: [...contracts, ...contracts] })).toBe(
      'Invalid input: contracts: "urn:li:contract:0" is listed more than once; ' +
        'contracts: "urn:li:contract:1" is listed more than once; ' +
        'contracts: "urn:li:contract:2" is listed more than once; ' +
        'contracts: "urn:li:contract:3" is listed more than once; ' +
        'contracts: "urn:li:contract:4" is listed more than once; ' +
        'and 1995 more problems',
    );
  });

  it('reports a value listed 5,000 times once', () => {
    expect(rejection({ contracts: Array.from({ length: 5_000 }, () => A) })).toBe(
      `Invalid input: contracts: "${A}" is listed more than once`,
    );
  });

  it('cuts a 200,000-character unknown field name', () => {
    expect(rejection({ ['k'.repeat(200_000)]: 1 })).toBe(
      `Invalid input: unknown field "${'k'.repeat(59)}…" (200000 characters) (allowed: exportTypes, contracts, startAt, endAt, scheduledTime, rerunOf, force)`,
    );
  });

  it('names at most five unknown fields, then how many more', () => {
    const input = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, i]));
    expect(rejection(input)).toBe(
      'Invalid input: unknown fields "f0", "f1", "f2", "f3", "f4" and 995 more (allowed: exportTypes, contracts, startAt, endAt, scheduledTime, rerunOf, force)',
    );
  });

  it('cuts a long duplicated value', () => {
    const long = `urn:li:contract:${'9'.repeat(19)}`;
    expect(rejection({ contracts: [long, long] })).toBe(`Invalid input: contracts: "${long}" is listed more than once`);
    const huge = 'x'.repeat(100_000);
    expect(rejection({ exportTypes: [huge, huge] })).toBe(
      `Invalid input: exportTypes[0]: "${'x'.repeat(59)}…" (100000 characters) is not an export type (use activity, activityOutcome or seat); ` +
        `exportTypes[1]: "${'x'.repeat(59)}…" (100000 characters) is not an export type (use activity, activityOutcome or seat)`,
    );
  });

  it('keeps every cause far below the 32,768 characters Step Functions allows', () => {
    const worst = {
      ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${'k'.repeat(5_000)}${i}`, i])),
      exportTypes: Array.from({ length: 50 }, (_, i) => `${'t'.repeat(1_000)}${i}`),
      contracts: Array.from({ length: 2_000 }, () => 'urn:li:contract:1'),
      startAt: 's'.repeat(50_000),
      endAt: { nested: true },
    };
    const message = rejection(worst);
    expect(message.length).toBeLessThanOrEqual(2000);
    expect(message).toMatch(/; and \d+ more problems$/);
  });

  it.each([undefined, 'yesterday', ''])("a bad executionStartTime (%p) is the deployment's fault: ConfigError", (started) => {
    expect(() => planExports({}, started as string, settings)).toThrow(
      expect.objectContaining({ name: ERROR_NAMES.config, message: expect.stringContaining('$$.Execution.StartTime') }),
    );
  });
});

/** The InvalidInput message resolvePlanRequest throws for `input`. */
const requestRejection = (input: unknown, overrides: Partial<PlanSettings> = {}): string => {
  try {
    resolvePlanRequest(input, STARTED, { ...settings, ...overrides });
  } catch (error) {
    expect((error as NamedError).name).toBe(ERROR_NAMES.invalidInput);
    return (error as NamedError).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

describe('resolvePlanRequest: rerunOf', () => {
  it("accepts rerunOf alone and asks for that execution's failed pairs", () => {
    expect(resolvePlanRequest({ rerunOf: 'nightly-2026-11-27' }, STARTED, settings)).toEqual({
      rerunOf: 'nightly-2026-11-27',
      force: false,
    });
  });

  it('accepts force with rerunOf (it changes how the pairs are exported, not which)', () => {
    expect(resolvePlanRequest({ rerunOf: 'nightly-2026-11-27', force: true }, STARTED, settings)).toEqual({
      rerunOf: 'nightly-2026-11-27',
      force: true,
    });
    expect(resolvePlanRequest({ force: false, rerunOf: 'nightly-2026-11-27' }, STARTED, settings)).toEqual({
      rerunOf: 'nightly-2026-11-27',
      force: false,
    });
  });

  it('refuses rerunOf with any other field, naming them', () => {
    expect(requestRejection({ rerunOf: 'nightly-2026-11-27', startAt: '2026-11-01', endAt: '2026-11-08' })).toBe(
      'Invalid input: rerunOf cannot be combined with startAt, endAt (a rerun exports exactly the failed pairs of that execution, ' +
        'over their own windows; only force may go with it)',
    );
    expect(requestRejection({ rerunOf: 'nightly-2026-11-27', force: true, contracts: [A] })).toMatch(
      /^Invalid input: rerunOf cannot be combined with contracts \(/,
    );
    expect(requestRejection({ rerunOf: 'nightly-2026-11-27', contracts: [A] })).toMatch(
      /^Invalid input: rerunOf cannot be combined with contracts \(/,
    );
  });

  it.each<[string, unknown, string]>([
    ['a name with a space', 'nightly run', '"nightly run" is not an execution name (1-80 characters, no spaces or / : , ; and the like)'],
    ['an ARN (colons)', 'arn:aws:states:us-east-1:1:execution:sm:x', 'is not an execution name (1-80 characters'],
    ['81 characters', 'x'.repeat(81), 'is not an execution name (1-80 characters'],
    ['an empty name', '', '"" is not an execution name (1-80 characters'],
    ['a number', 42, '42 is not an execution name'],
  ])('refuses %s as rerunOf', (_case, rerunOf, message) => {
    const text = requestRejection({ rerunOf });
    expect(text.startsWith('Invalid input: rerunOf: ')).toBe(true);
    expect(text).toContain(message);
  });

  it('planExports cannot plan a rerun (it has no report to read)', () => {
    expect(() => planExports({ rerunOf: 'nightly-2026-11-27' }, STARTED, settings)).toThrow(RangeError);
  });
});

describe('resolvePlanRequest: discoverContracts', () => {
  it('with discovery on, no contracts configured and none given is valid: the Plan asks LinkedIn', () => {
    expect(resolvePlanRequest({}, STARTED, { ...settings, contracts: [], discoverContracts: true })).toEqual({
      contracts: [],
      discover: true,
      exportTypes: ['activity', 'seat'],
      window: { startAt: day('2026-11-26'), endAt: day('2026-11-27') },
      force: false,
    });
  });

  it('with discovery on, the configured contracts come along and are listed first', () => {
    const request = resolvePlanRequest({}, STARTED, { ...settings, discoverContracts: true });
    expect(request).toMatchObject({ contracts: [A, B], discover: true });
  });

  it('contracts named in the input are exactly what is exported: no discovery', () => {
    const request = resolvePlanRequest({ contracts: [B] }, STARTED, { ...settings, discoverContracts: true });
    expect(request).toMatchObject({ contracts: [B], discover: false });
  });

  it('with discovery off, none given and none configured is refused, and the message mentions discoverContracts', () => {
    expect(requestRejection({}, { contracts: [], discoverContracts: false })).toContain(
      'contracts: none given and none configured (pass e.g. "contracts": ["urn:li:contract:123456"], or set the deployment\'s contracts or discoverContracts)',
    );
  });

  it('planTasks plans the discovered contracts × the export types, contracts outer', () => {
    const request = resolvePlanRequest({}, STARTED, { ...settings, contracts: [], discoverContracts: true });
    if ('rerunOf' in request) throw new Error('not a plan request');
    expect(planTasks(request, [B, A]).map((t) => [t.contract, t.exportType, windowsOf(t)])).toEqual([
      [B, 'activity', ['2026-11-26_2026-11-27']],
      [B, 'seat', ['2026-11-26_2026-11-27']],
      [A, 'activity', ['2026-11-26_2026-11-27']],
      [A, 'seat', ['2026-11-26_2026-11-27']],
    ]);
  });
});

describe('parseExecutionInput', () => {
  it('returns dates and scheduledTime as epoch ms', () => {
    expect(parseExecutionInput({ startAt: '2026-11-01', endAt: day('2026-11-08'), scheduledTime: '2026-11-28T07:00:00+01:00' })).toEqual({
      startAt: day('2026-11-01'),
      endAt: day('2026-11-08'),
      scheduledTime: Date.parse('2026-11-28T06:00:00Z'),
    });
  });
});

describe('planSettingsFromConfig', () => {
  it('reads contracts, export types, lag and window from the runtime configuration', () => {
    const config = handlerConfig({
      BUCKET_NAME: 'exports',
      CONTRACTS: `${A}, ${B}`,
      EXPORT_TYPES: 'seat',
      LAG_DAYS: '2',
      WINDOW_DAYS: '7',
      EARLIEST_DAY: '2020-01-01',
    });
    expect(planSettingsFromConfig(config)).toEqual({
      contracts: [A, B],
      exportTypes: ['seat'],
      lagDays: 2,
      windowDays: 7,
      earliestDay: day('2020-01-01'),
      discoverContracts: false,
    });
  });

  it('reads DISCOVER_CONTRACTS', () => {
    expect(planSettingsFromConfig(handlerConfig({ DISCOVER_CONTRACTS: 'true' })).discoverContracts).toBe(true);
  });

  it('defaults to every export type, lag 1, a one-day window and 2014-01-01 as the earliest day', () => {
    expect(planSettingsFromConfig(handlerConfig())).toEqual({
      contracts: [],
      exportTypes: ['activity', 'activityOutcome', 'seat'],
      lagDays: 1,
      windowDays: 1,
      earliestDay: day('2014-01-01'),
      discoverContracts: false,
    });
  });
});

describe('planExports: input limits (the Plan checks what the local runner checks)', () => {
  const settings = planSettingsFromConfig(handlerConfig({ CONTRACTS: 'urn:li:contract:123456' }));
  const plan = (input: unknown) => () => planExports(input, '2026-11-28T10:00:00Z', settings);

  it('refuses input nested deeper than 64 levels, before validating anything else', () => {
    let deep: unknown = {};
    for (let level = 0; level < 3000; level += 1) deep = { a: deep };
    expect(plan(deep)).toThrow(expect.objectContaining({ name: 'InvalidInput' }));
    expect(plan(deep)).toThrow(/^Invalid input: .*64/);
  });

  it('refuses input over 256 KiB', () => {
    expect(plan({ contracts: ['x'.repeat(300 * 1024)] })).toThrow(/^Invalid input: .*256 KiB/);
  });
});
