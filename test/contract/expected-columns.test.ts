/**
 * A deployment's own expected columns (export-schemas.ts expectedColumnsOf and its rules): how a
 * configured header becomes typed columns, and which lists configuration refuses.
 */
import {
  columnListProblems,
  columnNames,
  EXPORT_COLUMNS,
  expectedColumnsOf,
  expectedColumnsProblems,
  isSaneColumnName,
  MAX_COLUMN_NAME_CHARS,
} from '../../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';

describe('expectedColumnsOf', () => {
  it('is the built-in columns without an override, or without one for the type', () => {
    for (const exportType of EXPORT_TYPES) {
      expect(expectedColumnsOf(exportType)).toEqual(EXPORT_COLUMNS[exportType]);
      expect(expectedColumnsOf(exportType, {})).toEqual(EXPORT_COLUMNS[exportType]);
    }
    expect(expectedColumnsOf('activity', { seat: ['seatId', 'snapshotDate'] })).toEqual(EXPORT_COLUMNS.activity);
  });

  it('keeps the types of names the type knows; new names are nullable strings, source configured', () => {
    const columns = expectedColumnsOf('seat', { seat: ['seatId', 'status', 'snapshotDate', 'socialSellingIndex', 'seatRegion'] });
    expect(columns).toEqual([
      { name: 'seatId', type: 'bigint', nullable: false, source: 'assumed' },
      { name: 'status', type: 'string', nullable: true, source: 'configured' },
      { name: 'snapshotDate', type: 'date', nullable: false, source: 'assumed' },
      { name: 'socialSellingIndex', type: 'decimal', nullable: false, source: 'assumed' },
      { name: 'seatRegion', type: 'string', nullable: true, source: 'configured' },
    ]);
  });

  it("does not borrow another type's column types", () => {
    // seatId is a bigint in seat; activity's own seatId decides for activity, and createdAt is not a seat column.
    expect(expectedColumnsOf('seat', { seat: ['createdAt', 'snapshotDate'] })[0]).toMatchObject({ type: 'string', source: 'configured' });
  });

  it('refuses a list with problems (configuration is validated where it is read)', () => {
    expect(() => expectedColumnsOf('seat', { seat: [] })).toThrow(RangeError);
    expect(() => expectedColumnsOf('activity', { activity: ['activityId', 'activityid', 'createdAt'] })).toThrow(/repeats "activityId"/);
  });
});

describe('column name rules', () => {
  it.each([
    ['seatId', true],
    ['Social Selling Index (SSI)', true],
    ['名前', true],
    ['x'.repeat(MAX_COLUMN_NAME_CHARS), true],
    ['x'.repeat(MAX_COLUMN_NAME_CHARS + 1), false],
    ['', false],
    [' seatId', false],
    ['seatId ', false],
    ['a,b', false],
    ['say "hi"', false],
    ['back`tick', false],
    ['line\nbreak', false],
    ['tab\there', false],
    [42, false],
  ])('%j → %s', (name, sane) => {
    expect(isSaneColumnName(name)).toBe(sane);
  });
});

describe('columnListProblems', () => {
  it('takes every built-in list (so a SchemaDrift cause can always suggest going back to it)', () => {
    for (const exportType of EXPORT_TYPES) expect(columnListProblems(exportType, columnNames(exportType))).toEqual([]);
  });

  it('takes a list of sane, distinct names that has the day column', () => {
    expect(columnListProblems('activity', ['createdAt'])).toEqual([]);
    expect(columnListProblems('seat', ['seatId', 'snapshotDate', 'extra'])).toEqual([]);
  });

  it('points at each bad name, and asks for the day column', () => {
    expect(columnListProblems('activityOutcome', ['a', 'a', 'A', 'b,c'])).toEqual([
      { index: 1, message: '"a" is listed twice' },
      { index: 2, message: '"A" repeats "a" (column names are compared ignoring case, as Athena does)' },
      { index: 3, message: expect.stringMatching(/^expected a column name of 1 to 255 characters/) },
      { message: 'must include "createdAt": the copy splits each activityOutcome file into days by that column' },
    ]);
  });

  it('wants a non-empty list', () => {
    expect(columnListProblems('seat', [])).toEqual([{ message: 'expected a non-empty list of column names' }]);
    expect(columnListProblems('seat', 'seatId')).toEqual([{ message: 'expected a non-empty list of column names' }]);
  });
});

describe('expectedColumnsProblems', () => {
  it('takes {} and lists per export type', () => {
    expect(expectedColumnsProblems({})).toEqual([]);
    expect(expectedColumnsProblems({ activity: ['createdAt'], seat: ['snapshotDate'] })).toEqual([]);
  });

  it('says where each problem is', () => {
    expect(expectedColumnsProblems({ clicks: ['a'], seat: ['snapshotDate', ' x'] })).toEqual([
      'unknown export type "clicks" (expected activity, activityOutcome, seat)',
      expect.stringMatching(/^seat\[1\]: expected a column name of .*, got " x"$/),
    ]);
    expect(expectedColumnsProblems(['seat'])).toEqual([expect.stringMatching(/^expected an object of export type/)]);
    expect(expectedColumnsProblems(null)).toHaveLength(1);
  });
});
