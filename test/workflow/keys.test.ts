import { contractNumericId, exportObjectKeys, normalizePrefix, s3Uri } from '../../lambdas/shared/workflow/keys';

const day = (text: string): number => Date.parse(`${text}T00:00:00Z`);
const WEEK = { startAt: day('2026-11-01'), endAt: day('2026-11-08') };
const CONTRACT = 'urn:li:contract:123456';

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

describe('exportObjectKeys', () => {
  it.each([
    ['linkedin-sales-navigator/', 'activity', 'linkedin-sales-navigator/activity/contract=123456/2026-11-01_2026-11-08.csv'],
    ['lake/raw', 'activityOutcome', 'lake/raw/activityOutcome/contract=123456/2026-11-01_2026-11-08.csv'],
    ['', 'seat', 'seat/contract=123456/2026-11-01_2026-11-08.csv'],
  ] as const)('prefix %p, %s → %s', (prefix, exportType, csvKey) => {
    expect(exportObjectKeys(prefix, exportType, CONTRACT, WEEK)).toEqual({
      csvKey,
      manifestKey: csvKey.replace(/\.csv$/, '.manifest.json'),
    });
  });

  it('is deterministic: the same export and window always get the same keys', () => {
    expect(exportObjectKeys('p/', 'activity', CONTRACT, { ...WEEK })).toEqual(exportObjectKeys('p', 'activity', CONTRACT, WEEK));
  });

  it('differs for every part of the identity', () => {
    const keys = new Set(
      [
        exportObjectKeys('p', 'activity', CONTRACT, WEEK),
        exportObjectKeys('p', 'seat', CONTRACT, WEEK),
        exportObjectKeys('p', 'activity', 'urn:li:contract:9', WEEK),
        exportObjectKeys('p', 'activity', CONTRACT, { startAt: WEEK.startAt, endAt: day('2026-11-05') }),
        exportObjectKeys('p', 'activity', CONTRACT, { startAt: day('2026-11-05'), endAt: WEEK.endAt }),
      ].map((k) => k.csvKey),
    );
    expect(keys.size).toBe(5);
  });

  it('names a one-day window by its day and the next (end exclusive)', () => {
    expect(exportObjectKeys('', 'seat', CONTRACT, { startAt: day('2026-12-31'), endAt: day('2027-01-01') }).csvKey).toBe(
      'seat/contract=123456/2026-12-31_2027-01-01.csv',
    );
  });

  it.each([
    ['not a contract URN', () => exportObjectKeys('p', 'activity', '123456', WEEK)],
    ['not day-aligned', () => exportObjectKeys('p', 'activity', CONTRACT, { startAt: WEEK.startAt + 1, endAt: WEEK.endAt })],
    ['empty', () => exportObjectKeys('p', 'activity', CONTRACT, { startAt: WEEK.endAt, endAt: WEEK.endAt })],
  ])('refuses a window or contract that is %s', (_case, run) => {
    expect(run).toThrow(RangeError);
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
