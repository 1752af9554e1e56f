/**
 * The freshness of the landed data from the export ledgers (lambdas/shared/ledger/freshness.ts):
 * fresh pairs, a stale pair among fresh ones, pairs that never landed, no ledger at all, and the
 * age arithmetic at the edges of a UTC day.
 */
import { ageInDays, freshnessByType, newestDayOf, type PairLedger } from '../../lambdas/shared/ledger/freshness';
import type { ExportType } from '../../lambdas/shared/contract/export-types';
import { day, NOW } from './fixtures';

const contract = (id: number) => `urn:li:contract:${id}`;

/** A pair whose ledger holds one object per window `[from, to)` (days written YYYY-MM-DD). */
const pair = (exportType: ExportType, id: number, ...windows: Array<[string, string]>): PairLedger => ({
  exportType,
  contract: contract(id),
  objects: windows.map(([from, to]) => ({ startAt: day(from), endAt: day(to) })),
});

describe('ageInDays', () => {
  it('counts whole UTC days from the day to the day of now: today 0, yesterday 1', () => {
    // NOW is 2026-12-01 12:00 UTC.
    expect(ageInDays(day('2026-12-01'), NOW)).toBe(0);
    expect(ageInDays(day('2026-11-30'), NOW)).toBe(1);
    expect(ageInDays(day('2026-11-28'), NOW)).toBe(3);
  });

  it('grows at 00:00 UTC, not 24 hours after the landing', () => {
    expect(ageInDays(day('2026-11-29'), Date.parse('2026-11-30T23:59:59.999Z'))).toBe(1);
    expect(ageInDays(day('2026-11-29'), Date.parse('2026-12-01T00:00:00.000Z'))).toBe(2);
  });

  it('is never negative: a day after now is a lagging clock, not data from the future', () => {
    expect(ageInDays(day('2026-12-02'), NOW)).toBe(0);
  });
});

describe('newestDayOf', () => {
  it('is the last day of the object that ends last, whatever their order (end exclusive)', () => {
    const reduced = newestDayOf(
      pair('activity', 1, ['2026-11-20', '2026-11-27'], ['2026-11-29', '2026-11-30'], ['2026-11-27', '2026-11-29']),
    );
    expect(reduced).toEqual({ exportType: 'activity', contract: contract(1), newestDay: day('2026-11-29') });
  });

  it('is undefined for a pair that never landed', () => {
    expect(newestDayOf(pair('seat', 2)).newestDay).toBeUndefined();
  });
});

describe('freshnessByType', () => {
  it('fresh: every pair landed the day a scheduled run lands (2 days old with lag 1)', () => {
    const [activity] = freshnessByType(
      [pair('activity', 1, ['2026-11-29', '2026-11-30']), pair('activity', 2, ['2026-11-28', '2026-11-30'])],
      NOW,
    );
    expect(activity).toEqual({
      exportType: 'activity',
      pairsWithLedger: 2,
      pairsNeverLanded: 0,
      newestDay: day('2026-11-29'),
      newestDayAgeDays: 2,
      stalestPairAgeDays: 2,
      stalestPairs: [
        { contract: contract(1), newestDay: day('2026-11-29'), ageDays: 2 },
        { contract: contract(2), newestDay: day('2026-11-29'), ageDays: 2 },
      ],
      neverLanded: [],
    });
  });

  it('stale: one contract that silently stopped shows in the stalest pair, not in the newest day', () => {
    const [activity] = freshnessByType(
      [
        pair('activity', 1, ['2026-11-29', '2026-11-30']),
        pair('activity', 2, ['2026-11-01', '2026-11-20']),
        pair('activity', 3, ['2026-11-25', '2026-11-26']),
      ],
      NOW,
    );
    expect(activity).toMatchObject({ pairsWithLedger: 3, pairsNeverLanded: 0, newestDayAgeDays: 2, stalestPairAgeDays: 12 });
    expect(activity!.stalestPairs.map((p) => [p.contract, p.ageDays])).toEqual([
      [contract(2), 12],
      [contract(3), 6],
      [contract(1), 2],
    ]);
  });

  it('never landed: counted and named apart; they have no newest day to age', () => {
    const [seat] = freshnessByType([pair('seat', 9), pair('seat', 3), pair('seat', 5, ['2026-11-29', '2026-11-30'])], NOW);
    expect(seat).toMatchObject({
      pairsWithLedger: 3,
      pairsNeverLanded: 2,
      newestDayAgeDays: 2,
      stalestPairAgeDays: 2,
      neverLanded: [contract(3), contract(9)],
    });
  });

  it('never landed at all: counts, and no age (absent, not 0: nothing is fresh)', () => {
    const [seat] = freshnessByType([pair('seat', 1), pair('seat', 2)], NOW);
    expect(seat).toMatchObject({ pairsWithLedger: 2, pairsNeverLanded: 2, newestDay: undefined, newestDayAgeDays: undefined });
    expect(seat!.stalestPairAgeDays).toBeUndefined();
    expect(seat!.stalestPairs).toEqual([]);
  });

  it('empty: no ledger yields nothing, unless the type is configured, then zeros and no age', () => {
    expect(freshnessByType([], NOW)).toEqual([]);
    expect(freshnessByType([], NOW, { exportTypes: ['seat', 'activity'] })).toEqual(
      (['activity', 'seat'] as const).map((exportType) => ({
        exportType,
        pairsWithLedger: 0,
        pairsNeverLanded: 0,
        newestDay: undefined,
        newestDayAgeDays: undefined,
        stalestPairAgeDays: undefined,
        stalestPairs: [],
        neverLanded: [],
      })),
    );
  });

  it('reports each type apart, in EXPORT_TYPES order, configured or found', () => {
    const result = freshnessByType(
      [pair('seat', 1, ['2026-11-20', '2026-11-21']), pair('activity', 1, ['2026-11-29', '2026-11-30'])],
      NOW,
      { exportTypes: ['activityOutcome'] },
    );
    expect(result.map((t) => [t.exportType, t.pairsWithLedger, t.stalestPairAgeDays])).toEqual([
      ['activity', 1, 2],
      ['activityOutcome', 0, undefined],
      ['seat', 1, 11],
    ]);
  });

  it('takes pairs already reduced to their newest day (what a reader of 30,000 ledgers keeps) and names at most `sample`', () => {
    const reduced = Array.from({ length: 12 }, (_, k) => newestDayOf(pair('activity', k + 1, ['2026-11-29', '2026-11-30'])));
    const never = Array.from({ length: 8 }, (_, k) => newestDayOf(pair('activity', 100 + k)));
    const [activity] = freshnessByType([...reduced, ...never], NOW, { sample: 3 });
    expect(activity).toMatchObject({ pairsWithLedger: 20, pairsNeverLanded: 8, stalestPairAgeDays: 2 });
    expect(activity!.stalestPairs).toHaveLength(3);
    expect(activity!.neverLanded).toEqual([contract(100), contract(101), contract(102)]);
  });
});
