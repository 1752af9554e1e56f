import { DAY_MS, MAX_JOB_DAYS } from '../../lambdas/shared/contract/linkedin-limits';
import {
  cutIntoJobWindows,
  formatWindow,
  halveWindow,
  isUtcMidnight,
  latestAllowedEndAt,
  scheduledWindow,
  startOfUtcDay,
} from '../../lambdas/shared/workflow/windows';
import { formatUtcDay, parseUtcDay } from '../../lambdas/shared/contract/utc-day';

const day = (text: string): number => Date.parse(`${text}T00:00:00Z`);
const w = (startAt: string, endAt: string) => ({ startAt: day(startAt), endAt: day(endAt) });
const show = (windows: { startAt: number; endAt: number }[]) => windows.map((x) => `${formatUtcDay(x.startAt)}_${formatUtcDay(x.endAt)}`);

describe('UTC day arithmetic', () => {
  it('DAY_MS is 24 hours', () => expect(DAY_MS).toBe(24 * 3600 * 1000));

  it.each([
    ['2026-11-28T06:00:00.000Z', '2026-11-28T00:00:00.000Z'],
    ['2026-11-28T00:00:00.000Z', '2026-11-28T00:00:00.000Z'],
    ['2026-11-28T23:59:59.999Z', '2026-11-28T00:00:00.000Z'],
    ['2026-03-29T01:30:00.000Z', '2026-03-29T00:00:00.000Z'], // EU DST switch: irrelevant in UTC
    ['1969-12-31T12:00:00.000Z', '1969-12-31T00:00:00.000Z'], // negative epoch ms
  ])('startOfUtcDay(%s) = %s', (at, expected) => {
    expect(new Date(startOfUtcDay(Date.parse(at))).toISOString()).toBe(expected);
  });

  it.each([
    [day('2026-11-28'), true],
    [0, true],
    [-DAY_MS, true],
    [day('2026-11-28') + 1, false],
    [day('2026-11-28') - 1, false],
    [day('2026-11-28') + 0.5, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
  ])('isUtcMidnight(%p) is %p', (ms, expected) => expect(isUtcMidnight(ms)).toBe(expected));

  it.each([
    ['2026-11-01', '2026-11-01'],
    ['2024-02-29', '2024-02-29'],
    ['2026-02-29', undefined], // not a leap year
    ['2026-02-30', undefined],
    ['2026-13-01', undefined],
    ['2026-00-10', undefined],
    ['2026-11-1', undefined],
    ['2026-11-01T00:00:00Z', undefined],
    [' 2026-11-01', undefined],
    ['0099-01-01', '0099-01-01'], // not mistaken for 1999 (Date's two-digit year rule)
  ])('parseUtcDay(%p)', (text, expected) => {
    const ms = parseUtcDay(text);
    expect(ms === undefined ? undefined : formatUtcDay(ms)).toBe(expected);
    if (ms !== undefined) expect(isUtcMidnight(ms)).toBe(true);
  });

  it('formats days and windows (end exclusive)', () => {
    expect(formatUtcDay(Date.parse('2026-01-05T23:59:59Z'))).toBe('2026-01-05');
    expect(formatWindow(w('2026-11-01', '2026-11-08'))).toBe('2026-11-01 to 2026-11-08 (end exclusive)');
  });
});

describe('cutIntoJobWindows', () => {
  it('cuts one year into consecutive windows of at most 90 days, the last one shorter', () => {
    const windows = cutIntoJobWindows(w('2025-01-01', '2026-01-01'));
    expect(show(windows)).toEqual([
      '2025-01-01_2025-04-01',
      '2025-04-01_2025-06-30',
      '2025-06-30_2025-09-28',
      '2025-09-28_2025-12-27',
      '2025-12-27_2026-01-01',
    ]);
    expect(windows.map((x) => (x.endAt - x.startAt) / DAY_MS)).toEqual([90, 90, 90, 90, 5]);
  });

  it.each([
    [1, 1],
    [89, 1],
    [90, 1],
    [91, 2],
    [180, 2],
    [181, 3],
    [366, 5],
  ])('a %i-day window becomes %i job(s) that tile it exactly', (days, jobs) => {
    const window = { startAt: day('2024-01-01'), endAt: day('2024-01-01') + days * DAY_MS };
    const windows = cutIntoJobWindows(window);
    expect(windows).toHaveLength(jobs);
    expect(windows[0]!.startAt).toBe(window.startAt);
    expect(windows.at(-1)!.endAt).toBe(window.endAt);
    windows.forEach((x, i) => {
      expect(isUtcMidnight(x.startAt) && isUtcMidnight(x.endAt)).toBe(true);
      expect((x.endAt - x.startAt) / DAY_MS).toBeLessThanOrEqual(MAX_JOB_DAYS);
      if (i > 0) expect(x.startAt).toBe(windows[i - 1]!.endAt);
    });
  });

  it('honours a smaller maximum', () => {
    expect(show(cutIntoJobWindows(w('2026-11-01', '2026-11-08'), 3))).toEqual([
      '2026-11-01_2026-11-04',
      '2026-11-04_2026-11-07',
      '2026-11-07_2026-11-08',
    ]);
  });

  it.each([
    ['empty', { startAt: day('2026-11-01'), endAt: day('2026-11-01') }],
    ['reversed', w('2026-11-02', '2026-11-01')],
    ['not day-aligned', { startAt: day('2026-11-01') + 1, endAt: day('2026-11-03') }],
  ])('refuses a window that is %s', (_what, window) => {
    expect(() => cutIntoJobWindows(window)).toThrow(RangeError);
  });

  it('refuses a maximum below one day', () => {
    expect(() => cutIntoJobWindows(w('2026-11-01', '2026-11-08'), 0)).toThrow(RangeError);
  });
});

describe('halveWindow', () => {
  it.each([
    ['2026-11-01', '2026-11-03', ['2026-11-01_2026-11-02', '2026-11-02_2026-11-03']], // 2 days
    ['2026-11-01', '2026-11-04', ['2026-11-01_2026-11-03', '2026-11-03_2026-11-04']], // 3: first gets the extra day
    ['2026-11-01', '2026-11-09', ['2026-11-01_2026-11-05', '2026-11-05_2026-11-09']], // 8
    ['2026-12-30', '2027-01-04', ['2026-12-30_2027-01-02', '2027-01-02_2027-01-04']], // 5, across the year
    ['2026-01-01', '2026-04-01', ['2026-01-01_2026-02-15', '2026-02-15_2026-04-01']], // 90 → 45 + 45
  ])('[%s, %s) splits into %j', (startAt, endAt, expected) => {
    const halves = halveWindow(w(startAt, endAt));
    expect(halves).not.toBeNull();
    expect(show(halves!)).toEqual(expected);
  });

  it('cannot split a single day', () => {
    expect(halveWindow(w('2026-11-01', '2026-11-02'))).toBeNull();
  });

  it('keeps halving down to single days', () => {
    let queue = [w('2026-11-01', '2026-11-08')];
    for (let round = 0; round < 5 && queue.some((x) => halveWindow(x)); round += 1) {
      queue = queue.flatMap((x) => halveWindow(x) ?? [x]);
    }
    expect(queue.map((x) => (x.endAt - x.startAt) / DAY_MS)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(show(queue)[0]).toBe('2026-11-01_2026-11-02');
  });
});

describe('scheduledWindow', () => {
  it.each([
    // scheduled time,           lag, days, expected window
    ['2026-11-28T06:00:00Z', 1, 1, '2026-11-26_2026-11-27'],
    ['2026-11-28T00:00:00Z', 1, 1, '2026-11-26_2026-11-27'], // exactly midnight: same day's rule
    ['2026-11-28T23:59:59Z', 1, 1, '2026-11-26_2026-11-27'],
    ['2026-11-28T06:00:00Z', 0, 1, '2026-11-27_2026-11-28'], // lag 0: the day that just ended
    ['2026-11-28T06:00:00Z', 2, 1, '2026-11-25_2026-11-26'],
    ['2026-11-28T06:00:00Z', 1, 7, '2026-11-20_2026-11-27'],
    ['2026-12-01T06:00:00Z', 1, 1, '2026-11-29_2026-11-30'], // across a month
    ['2027-01-01T06:00:00Z', 1, 1, '2026-12-30_2026-12-31'], // across a year
    ['2027-01-02T06:00:00Z', 1, 3, '2026-12-29_2027-01-01'],
    ['2028-03-01T06:00:00Z', 1, 1, '2028-02-28_2028-02-29'], // leap year
    ['2026-03-30T01:30:00Z', 1, 1, '2026-03-28_2026-03-29'], // DST weekend in Europe: UTC knows none
    ['2026-11-28T06:00:00+09:00', 1, 1, '2026-11-25_2026-11-26'], // an offset is converted to UTC first
  ])('scheduled %s, lag %i, %i day(s) → %s', (at, lag, days, expected) => {
    expect(show([scheduledWindow(Date.parse(at), lag, days)])).toEqual([expected]);
  });

  it('never asks for data from the last 24 h with lag >= 1', () => {
    for (let minute = 0; minute < 24 * 60; minute += 37) {
      const at = day('2026-11-28') + minute * 60_000;
      const window = scheduledWindow(at, 1, 1);
      expect(at - window.endAt).toBeGreaterThanOrEqual(DAY_MS);
      expect(at - window.endAt).toBeLessThan(2 * DAY_MS);
    }
  });

  it.each([
    [Number.NaN, 1, 1],
    [day('2026-11-28'), -1, 1],
    [day('2026-11-28'), 1.5, 1],
    [day('2026-11-28'), 1, 0],
  ])('refuses scheduled %p, lag %p, days %p', (at, lag, days) => {
    expect(() => scheduledWindow(at, lag, days)).toThrow(RangeError);
  });
});

describe('latestAllowedEndAt', () => {
  it.each([
    ['2026-11-28T06:00:00Z', '2026-11-29'],
    ['2026-11-28T00:00:00Z', '2026-11-29'],
    ['2026-12-31T23:59:59Z', '2027-01-01'],
  ])('an execution started %s may export up to %s (exclusive)', (at, expected) => {
    expect(formatUtcDay(latestAllowedEndAt(Date.parse(at)))).toBe(expected);
  });
});
