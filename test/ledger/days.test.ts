/**
 * Day arithmetic of the export ledger (lambdas/shared/ledger/days.ts): windows are whole UTC days,
 * start inclusive, end exclusive, so two windows that touch share no day.
 */
import { DAY_MS } from '../../lambdas/shared/contract/linkedin-limits';
import {
  countDays,
  gapJobWindows,
  intersectDays,
  mergeWindows,
  sameWindow,
  sharesDays,
  subtractDays,
} from '../../lambdas/shared/ledger/days';
import { day, landed, show, w } from './fixtures';

describe('mergeWindows', () => {
  it('is empty for no windows', () => {
    expect(mergeWindows([])).toEqual([]);
  });

  it('sorts the windows and joins overlapping, touching and contained ones', () => {
    // Prepare: out of order; 11-03..11-06 overlaps 11-01..11-04, 11-06..11-08 touches it, 11-02..11-03 is inside.
    const windows = [
      w('2026-11-20', '2026-11-22'),
      w('2026-11-06', '2026-11-08'),
      w('2026-11-01', '2026-11-04'),
      w('2026-11-03', '2026-11-06'),
      w('2026-11-02', '2026-11-03'),
    ];

    // Act
    const merged = mergeWindows(windows);

    // Assess
    expect(show(merged)).toEqual(['2026-11-01_2026-11-08', '2026-11-20_2026-11-22']);
  });

  it('keeps windows one day apart apart', () => {
    expect(show(mergeWindows([w('2026-11-05', '2026-11-07'), w('2026-11-01', '2026-11-04')]))).toEqual([
      '2026-11-01_2026-11-04',
      '2026-11-05_2026-11-07',
    ]);
  });

  it('drops empty and inverted windows', () => {
    const merged = mergeWindows([w('2026-11-03', '2026-11-03'), w('2026-11-05', '2026-11-04'), w('2026-11-10', '2026-11-11')]);

    expect(show(merged)).toEqual(['2026-11-10_2026-11-11']);
  });

  it('returns plain windows and leaves its input untouched', () => {
    // Prepare: ledger objects carry more than their days.
    const first = landed('2026-11-01', '2026-11-03');
    const second = landed('2026-11-03', '2026-11-05');

    // Act
    const merged = mergeWindows([second, first]);

    // Assess: a fresh window, without the objects' keys; the objects keep their own days.
    expect(merged).toEqual([{ startAt: day('2026-11-01'), endAt: day('2026-11-05') }]);
    expect(Object.keys(merged[0]!)).toEqual(['startAt', 'endAt']);
    expect(show([first, second])).toEqual(['2026-11-01_2026-11-03', '2026-11-03_2026-11-05']);
  });
});

describe('sharesDays', () => {
  it.each([
    ['touching, the first before', w('2026-11-01', '2026-11-03'), w('2026-11-03', '2026-11-05'), false],
    ['touching, the first after', w('2026-11-03', '2026-11-05'), w('2026-11-01', '2026-11-03'), false],
    ['one day apart', w('2026-11-01', '2026-11-03'), w('2026-11-04', '2026-11-05'), false],
    ['one common day at the end', w('2026-11-01', '2026-11-04'), w('2026-11-03', '2026-11-05'), true],
    ['one common day at the start', w('2026-11-03', '2026-11-05'), w('2026-11-01', '2026-11-04'), true],
    ['one inside the other', w('2026-11-01', '2026-11-10'), w('2026-11-04', '2026-11-05'), true],
    ['the same days', w('2026-11-01', '2026-11-02'), w('2026-11-01', '2026-11-02'), true],
  ])('%s: %p', (_, a, b, expected) => {
    expect(sharesDays(a, b)).toBe(expected);
  });
});

describe('sameWindow', () => {
  it('holds only for the same start and end', () => {
    expect(sameWindow(w('2026-11-01', '2026-11-08'), landed('2026-11-01', '2026-11-08'))).toBe(true);
    expect(sameWindow(w('2026-11-01', '2026-11-08'), w('2026-11-01', '2026-11-09'))).toBe(false);
    expect(sameWindow(w('2026-11-01', '2026-11-08'), w('2026-10-31', '2026-11-08'))).toBe(false);
  });
});

describe('subtractDays', () => {
  const window = w('2026-11-01', '2026-11-11');

  it('is the whole window when nothing is covered', () => {
    expect(show(subtractDays(window, []))).toEqual(['2026-11-01_2026-11-11']);
  });

  it('is empty when the covered days hold the whole window', () => {
    expect(subtractDays(window, [w('2026-10-25', '2026-11-05'), w('2026-11-05', '2026-11-20')])).toEqual([]);
  });

  it('leaves the gaps before, between and after the covered days, in order', () => {
    const gaps = subtractDays(window, [w('2026-11-07', '2026-11-09'), w('2026-11-03', '2026-11-04')]);

    expect(show(gaps)).toEqual(['2026-11-01_2026-11-03', '2026-11-04_2026-11-07', '2026-11-09_2026-11-11']);
  });

  it('cuts covered windows that stick out on either side', () => {
    const gaps = subtractDays(window, [w('2026-10-20', '2026-11-02'), w('2026-11-10', '2026-12-01')]);

    expect(show(gaps)).toEqual(['2026-11-02_2026-11-10']);
  });

  it('ignores covered windows that only touch the window or lie outside it', () => {
    const gaps = subtractDays(window, [w('2026-10-20', '2026-11-01'), w('2026-11-11', '2026-11-15'), w('2026-12-01', '2026-12-03')]);

    expect(show(gaps)).toEqual(['2026-11-01_2026-11-11']);
  });

  it('copes with overlapping, unsorted covered windows', () => {
    const gaps = subtractDays(window, [w('2026-11-05', '2026-11-08'), w('2026-11-02', '2026-11-06'), w('2026-11-03', '2026-11-04')]);

    expect(show(gaps)).toEqual(['2026-11-01_2026-11-02', '2026-11-08_2026-11-11']);
  });
});

describe('intersectDays', () => {
  const window = w('2026-11-01', '2026-11-11');

  it('is empty when nothing is covered, or only touching days', () => {
    expect(intersectDays(window, [])).toEqual([]);
    expect(intersectDays(window, [w('2026-10-25', '2026-11-01'), w('2026-11-11', '2026-11-12')])).toEqual([]);
  });

  it('is the covered days inside the window, clipped and merged', () => {
    const days = intersectDays(window, [
      w('2026-11-09', '2026-11-20'),
      w('2026-10-25', '2026-11-02'),
      w('2026-11-04', '2026-11-05'),
      w('2026-11-05', '2026-11-06'),
    ]);

    expect(show(days)).toEqual(['2026-11-01_2026-11-02', '2026-11-04_2026-11-06', '2026-11-09_2026-11-11']);
  });

  it('is the window itself when a bigger window covers it', () => {
    expect(show(intersectDays(window, [w('2026-10-01', '2026-12-01')]))).toEqual(['2026-11-01_2026-11-11']);
  });
});

describe('countDays', () => {
  it('is 0 for no windows', () => {
    expect(countDays([])).toBe(0);
  });

  it('adds the days of every window', () => {
    expect(countDays([w('2026-11-01', '2026-11-08'), w('2026-12-30', '2027-01-02')])).toBe(10);
  });

  it('counts a leap day', () => {
    expect(countDays([w('2028-02-28', '2028-03-01')])).toBe(2);
  });

  it('counts a window of exactly one day as 1', () => {
    expect(countDays([{ startAt: 0, endAt: DAY_MS }])).toBe(1);
  });
});

describe('gapJobWindows', () => {
  it('is empty for no windows', () => {
    expect(gapJobWindows([], [w('2026-11-01', '2026-11-02')])).toEqual([]);
  });

  it('is empty when every day is covered', () => {
    expect(gapJobWindows([w('2026-11-01', '2026-11-08'), w('2026-11-08', '2026-11-10')], [w('2026-10-01', '2026-12-01')])).toEqual([]);
  });

  it('cuts a long gap into jobs of at most 90 days, the last one shorter', () => {
    // 2026-01-01 .. 2026-07-20 is 200 days: 90 + 90 + 20.
    const jobs = gapJobWindows([w('2026-01-01', '2026-07-20')], []);

    expect(show(jobs)).toEqual(['2026-01-01_2026-04-01', '2026-04-01_2026-06-30', '2026-06-30_2026-07-20']);
  });

  it('keeps a gap of exactly 90 days in one job', () => {
    expect(show(gapJobWindows([w('2026-01-01', '2026-04-01')], []))).toEqual(['2026-01-01_2026-04-01']);
  });

  it('takes the covered days out of every window, then cuts each gap on its own', () => {
    // Prepare: landed 2026-03-01 .. 2026-03-05 inside the first window; the second window is untouched.
    const windows = [w('2026-01-01', '2026-04-01'), w('2026-04-01', '2026-04-10')];

    // Act
    const jobs = gapJobWindows(windows, [w('2026-03-01', '2026-03-05')]);

    // Assess: 59 days, then 27 days, then the second window as it was; nothing is joined across windows.
    expect(show(jobs)).toEqual(['2026-01-01_2026-03-01', '2026-03-05_2026-04-01', '2026-04-01_2026-04-10']);
  });

  it('cuts a 100-day gap after a landed head into 90 + 10', () => {
    const jobs = gapJobWindows([w('2026-01-01', '2026-04-21')], [w('2025-12-01', '2026-01-11')]);

    expect(show(jobs)).toEqual(['2026-01-11_2026-04-11', '2026-04-11_2026-04-21']);
  });
});
