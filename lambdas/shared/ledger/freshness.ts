/**
 * Freshness of the landed data, from the export ledgers alone (pure: no S3, no clock but `now`).
 *
 * The alarms on executions say whether the workflow ran; they cannot say whether the data is
 * current. A pair (export type, contract) can stop landing without any execution failing: its
 * contract left the configuration or the finder, the Plan skipped it, the schedule was disabled.
 * Its ledger is the product's own record of what landed, so its newest landed day tells how old
 * the freshest data of that pair is.
 *
 * Per export type this module derives (the metric names are contract/freshness.ts's):
 * - `newestDay` / `newestDayAgeDays` (NewestDayAgeDays): the newest day landed by ANY contract, and
 *   its age. It grows when the whole export type stopped landing (the schedule, the token, LinkedIn).
 * - `stalestPair` / `stalestPairAgeDays` (StalestPairAgeDays): among the pairs that have landed at
 *   least one day, the one whose newest landed day is the OLDEST, and that day's age. It grows when
 *   a single contract silently stopped, which NewestDayAgeDays hides as long as the others land.
 * - `pairsNeverLanded` (PairsNeverLanded): pairs that have a ledger (a run claimed days for them)
 *   but no landed day at all; they have no newest day, so the two ages above cannot show them.
 * - `pairsWithLedger` (PairsWithLedger): every pair of the type that has a ledger.
 *
 * Ages are whole UTC days from the day to today's UTC day: a day landed today is 0 days old,
 * yesterday's is 1. With the default schedule (daily, lagDays 1, windowDays 1) a run on day D lands
 * D-2, so a pair that lands every run is 2 days old after the run and 3 just before the next one.
 */
import type { LedgerObject } from '../contract/ledger';
import { EXPORT_TYPES, type ExportType } from '../contract/export-types';
import { DAY_MS } from '../contract/linkedin-limits';

/** What freshness needs of one pair's ledger. */
export interface PairLedger {
  readonly exportType: ExportType;
  readonly contract: string;
  /** The landed objects (each covers the days `[startAt, endAt)`, UTC midnights). */
  readonly objects: ReadonlyArray<Pick<LedgerObject, 'startAt' | 'endAt'>>;
}

/** One pair reduced to its newest landed day: all a reader of thousands of ledgers needs to keep. */
export interface PairNewestDay {
  readonly exportType: ExportType;
  readonly contract: string;
  /** UTC midnight of the newest landed day; undefined when the pair never landed a day. */
  readonly newestDay: number | undefined;
}

/** A pair and the age of its newest landed day. */
export interface PairAge {
  contract: string;
  /** UTC midnight of the pair's newest landed day. */
  newestDay: number;
  /** Whole UTC days from that day to today. */
  ageDays: number;
}

/** The freshness of one export type. */
export interface ExportTypeFreshness {
  exportType: ExportType;
  /** Pairs of this type that have a ledger. */
  pairsWithLedger: number;
  /** Of those, the pairs that have never landed a day. */
  pairsNeverLanded: number;
  /** UTC midnight of the newest day landed by any contract; undefined when none landed. */
  newestDay: number | undefined;
  /** Its age in whole UTC days; undefined when none landed. */
  newestDayAgeDays: number | undefined;
  /** The age of the stalest pair's newest landed day; undefined when none landed. */
  stalestPairAgeDays: number | undefined;
  /** The stalest pairs, oldest first (at most `sample` of them): who to look at. */
  stalestPairs: PairAge[];
  /** Contracts that never landed, in order (at most `sample` of them). */
  neverLanded: string[];
}

/** The newest landed day of a pair, or undefined: the last day of the object that ends last. */
export const newestDayOf = (ledger: PairLedger): PairNewestDay => {
  let endAt: number | undefined;
  for (const object of ledger.objects) if (endAt === undefined || object.endAt > endAt) endAt = object.endAt;
  return { exportType: ledger.exportType, contract: ledger.contract, newestDay: endAt === undefined ? undefined : endAt - DAY_MS };
};

/**
 * Whole UTC days from `day` (a UTC midnight) to the UTC day of `now`; never negative (a day landed
 * "after" `now` is a clock that lags, not data from the future).
 */
export const ageInDays = (day: number, now: number): number => {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Math.max(0, Math.round((today - day) / DAY_MS));
};

export interface FreshnessOptions {
  /** Export types to report even without any ledger (the configured ones), besides those found. */
  readonly exportTypes?: readonly ExportType[];
  /** How many stalest pairs and never-landed contracts to name per type. @default 5 */
  readonly sample?: number;
}

/**
 * The freshness of each export type, in EXPORT_TYPES order: those in `options.exportTypes` (zeros
 * and undefined ages when they have no ledger) and every type some pair has a ledger of.
 *
 * @param pairs each pair once (a full ledger or one reduced by {@link newestDayOf})
 * @param now epoch ms: "today" is its UTC day
 */
export const freshnessByType = (
  pairs: Iterable<PairLedger | PairNewestDay>,
  now: number,
  options: FreshnessOptions = {},
): ExportTypeFreshness[] => {
  const sample = options.sample ?? 5;
  const byType = new Map<ExportType, PairNewestDay[]>();
  for (const exportType of options.exportTypes ?? []) byType.set(exportType, []);
  for (const pair of pairs) {
    const reduced = 'objects' in pair ? newestDayOf(pair) : pair;
    const list = byType.get(reduced.exportType) ?? [];
    list.push(reduced);
    byType.set(reduced.exportType, list);
  }
  return EXPORT_TYPES.filter((exportType) => byType.has(exportType)).map((exportType) => {
    const list = byType.get(exportType) ?? [];
    const landed = list.filter((pair): pair is PairNewestDay & { newestDay: number } => pair.newestDay !== undefined);
    // Oldest newest day first; ties by contract, so the output does not depend on listing order.
    landed.sort((a, b) => a.newestDay - b.newestDay || a.contract.localeCompare(b.contract));
    const stalest = landed[0];
    const newest = landed.at(-1);
    const neverLanded = list
      .filter((pair) => pair.newestDay === undefined)
      .map((pair) => pair.contract)
      .sort();
    return {
      exportType,
      pairsWithLedger: list.length,
      pairsNeverLanded: neverLanded.length,
      newestDay: newest?.newestDay,
      newestDayAgeDays: newest === undefined ? undefined : ageInDays(newest.newestDay, now),
      stalestPairAgeDays: stalest === undefined ? undefined : ageInDays(stalest.newestDay, now),
      stalestPairs: landed
        .slice(0, sample)
        .map((pair) => ({ contract: pair.contract, newestDay: pair.newestDay, ageDays: ageInDays(pair.newestDay, now) })),
      neverLanded: neverLanded.slice(0, sample),
    };
  });
};
