import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';
import {
  contractNumericId,
  dayObjectKey,
  daysOf,
  manifestKey,
  normalizePrefix,
  PARTITION_TEMPLATE,
  pairDataPrefix,
  quarantineKey,
  SIBLING_FOLDERS,
  tableFolder,
} from '../../lambdas/shared/contract/layout';
import { s3Uri } from '../../lambdas/shared/workflow/keys';

const day = (text: string): number => Date.parse(`${text}T00:00:00Z`);
const WEEK = { startAt: day('2026-11-01'), endAt: day('2026-11-08') };
const CONTRACT = 'urn:li:contract:123456';
const PREFIXES = ['', 'linkedin-sales-navigator/', 'lake/raw/linkedin/'];

describe('normalizePrefix', () => {
  it.each([
    ['', ''],
    ['/', ''],
    ['exports', 'exports/'],
    ['exports/', 'exports/'],
    ['exports//', 'exports/'],
    ['/exports', 'exports/'],
    ['lake/raw/linkedin', 'lake/raw/linkedin/'],
  ])('%p → %p', (prefix, expected) => expect(normalizePrefix(prefix)).toBe(expected));
});

describe('dayObjectKey: Hive-style, one object per day', () => {
  it.each([
    ['linkedin-sales-navigator/', 'activity', 'linkedin-sales-navigator/activity/contract=123456/dt=2026-11-03/2026-11-03_2026-11-04.csv'],
    ['lake/raw', 'activityOutcome', 'lake/raw/activityOutcome/contract=123456/dt=2026-11-03/2026-11-03_2026-11-04.csv'],
    ['', 'seat', 'seat/contract=123456/dt=2026-11-03/2026-11-03_2026-11-04.csv'],
  ] as const)('prefix %p, %s → %s', (prefix, exportType, key) => {
    expect(dayObjectKey(prefix, exportType, CONTRACT, day('2026-11-03'))).toBe(key);
  });

  it('names a day by itself and the next, across a year end', () => {
    expect(dayObjectKey('', 'seat', CONTRACT, day('2026-12-31'))).toBe('seat/contract=123456/dt=2026-12-31/2026-12-31_2027-01-01.csv');
  });

  it('gives every day of every window of every type a key of its own, under its table and partition', () => {
    const keys = new Set<string>();
    for (const prefix of PREFIXES)
      for (const exportType of EXPORT_TYPES)
        for (const d of daysOf({ startAt: day('2026-02-27'), endAt: day('2026-03-03') })) {
          const key = dayObjectKey(prefix, exportType, CONTRACT, d);
          const dt = new Date(d).toISOString().slice(0, 10);
          const next = new Date(d + 86_400_000).toISOString().slice(0, 10);
          expect(key.startsWith(tableFolder(prefix, exportType))).toBe(true);
          expect(key.slice(tableFolder(prefix, exportType).length)).toBe(
            `${PARTITION_TEMPLATE.replace(/\$\{contract\}/, '123456').replace(/\$\{dt\}/, dt)}${dt}_${next}.csv`,
          );
          keys.add(key);
        }
    expect(keys.size).toBe(PREFIXES.length * EXPORT_TYPES.length * 4);
  });

  it.each([
    ['not a contract URN', () => dayObjectKey('p', 'activity', '123456', WEEK.startAt)],
    ['not a UTC midnight', () => dayObjectKey('p', 'activity', CONTRACT, WEEK.startAt + 1)],
  ])('refuses a day or contract that is %s', (_case, run) => {
    expect(run).toThrow(RangeError);
  });
});

describe('beside the tables', () => {
  it('a manifest per window, a quarantined file per arrival, under sibling folders', () => {
    expect(manifestKey('p/', 'activity', CONTRACT, WEEK)).toBe('p/manifests/activity/contract=123456/2026-11-01_2026-11-08.manifest.json');
    expect(quarantineKey('p/', 'seat', CONTRACT, WEEK, Date.UTC(2026, 10, 30, 10))).toBe(
      'p/quarantine/seat/contract=123456/2026-11-01_2026-11-08.csv@2026-11-30T10-00-00.000Z',
    );
    expect(pairDataPrefix('p', 'activity', CONTRACT)).toBe('p/activity/contract=123456/');
  });

  it('no sibling folder lies inside a table location, whatever the prefix', () => {
    for (const prefix of PREFIXES)
      for (const exportType of EXPORT_TYPES) {
        for (const folder of SIBLING_FOLDERS)
          expect(`${normalizePrefix(prefix)}${folder}`.startsWith(tableFolder(prefix, exportType))).toBe(false);
        expect(manifestKey(prefix, exportType, CONTRACT, WEEK).startsWith(tableFolder(prefix, exportType))).toBe(false);
        expect(quarantineKey(prefix, exportType, CONTRACT, WEEK, 0).startsWith(tableFolder(prefix, exportType))).toBe(false);
      }
  });

  it.each([
    ['empty', { startAt: WEEK.endAt, endAt: WEEK.endAt }],
    ['not day-aligned', { startAt: WEEK.startAt + 1, endAt: WEEK.endAt }],
  ])('refuses a window that is %s', (_case, window) => {
    expect(() => manifestKey('p', 'activity', CONTRACT, window)).toThrow(RangeError);
    expect(() => daysOf(window)).toThrow(RangeError);
  });

  it('daysOf lists a window’s days, end exclusive', () => {
    expect(daysOf(WEEK).map((d) => new Date(d).toISOString().slice(0, 10))).toEqual([
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
      '2026-11-07',
    ]);
  });
});

describe('contractNumericId', () => {
  it('takes the digits of the URN', () => expect(contractNumericId('urn:li:contract:9007199254740993')).toBe('9007199254740993'));
  it.each(['urn:li:contract:', 'urn:li:contract:1/2', 'urn:li:seat:1'])('refuses %p', (urn) => {
    expect(() => contractNumericId(urn)).toThrow(RangeError);
  });
});

describe('s3Uri', () => {
  it('joins bucket and key', () => expect(s3Uri('my-bucket', 'a/b.csv')).toBe('s3://my-bucket/a/b.csv'));
});
