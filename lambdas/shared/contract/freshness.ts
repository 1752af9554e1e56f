/**
 * Freshness, not just liveness (docs/operations.md, "Alarms"): the names the freshness Lambda
 * publishes under and the alarms and dashboard (infra/alarms.ts, infra/dashboard.ts) read, so the
 * two cannot drift apart, and the event that invokes it.
 *
 * Every metric is published once per export type, with the dimensions {service, ExportType}
 * (`service` is the Powertools service name every handler metric carries, names.ts SERVICE_NAME),
 * in the namespace of every handler metric (names.ts METRICS_NAMESPACE).
 */
import * as z from 'zod/mini';
import './zod-locale';

/** The metrics of lambdas/shared/ledger/freshness.ts, per export type. */
export const FRESHNESS_METRICS = {
  /**
   * Whole UTC days from the newest day landed by any contract of the type to today (0: today's
   * day landed). Absent when no pair of the type has landed a day.
   */
  newestDayAge: 'NewestDayAgeDays',
  /**
   * The same age for the stalest pair: of the pairs that have landed a day, the one whose newest
   * landed day is the oldest. One contract that silently stopped landing shows here while the
   * others keep NewestDayAgeDays low. Absent when no pair of the type has landed a day.
   */
  stalestPairAge: 'StalestPairAgeDays',
  /** Pairs that have an export ledger (a run claimed days for them) but have never landed a day. */
  pairsNeverLanded: 'PairsNeverLanded',
  /** Pairs (contracts) of the type that have an export ledger. */
  pairsWithLedger: 'PairsWithLedger',
} as const;
export type FreshnessMetric = (typeof FRESHNESS_METRICS)[keyof typeof FRESHNESS_METRICS];

/** Published once per invocation, without the ExportType dimension: ledgers read, and ledgers that do not parse. */
export const FRESHNESS_RUN_METRICS = {
  ledgersRead: 'LedgersRead',
  ledgersCorrupt: 'LedgersCorrupt',
} as const;

/** The dimension that names the export type of a freshness metric. */
export const EXPORT_TYPE_DIMENSION = 'ExportType';

/** The dimension Powertools adds to every metric: the service name. */
export const SERVICE_DIMENSION = 'service';

/** Who asked: the workflow after a run ("Publish freshness"), or the daily schedule. */
export const FRESHNESS_TRIGGERS = ['run', 'schedule'] as const;

/**
 * The freshness Lambda's event. Loose on purpose: nothing in it changes what is published, it only
 * goes into the log line, so a console test invocation with `{}` works as well.
 */
export const freshnessEventSchema = z.nullish(
  z.object({
    trigger: z.optional(z.enum(FRESHNESS_TRIGGERS)),
    /** The run's execution name (trigger "run"). */
    executionName: z.optional(z.string()),
    /** The schedule's time (trigger "schedule"). */
    scheduledTime: z.optional(z.string()),
  }),
);
export type FreshnessEvent = z.infer<typeof freshnessEventSchema>;
