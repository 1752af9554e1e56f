/**
 * Publish freshness: reads every export ledger and publishes, per export type, how old the newest
 * landed days are (contract/freshness.ts names the metrics; ledger/freshness.ts says what each
 * means). Invoked by the workflow after every run ("Publish freshness", whose failure never changes
 * how the run ends) and by a daily schedule, so the alarms see a value at least once a day even
 * when no run happens (docs/operations.md, "Alarms").
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  EXPORT_TYPE_DIMENSION,
  FRESHNESS_METRICS,
  FRESHNESS_RUN_METRICS,
  type FreshnessMetric,
  freshnessEventSchema,
} from '../contract/freshness';
import type { ExportType } from '../contract/export-types';
import { formatUtcDay } from '../contract/utc-day';
import { type ExportTypeFreshness, freshnessByType } from '../ledger/freshness';
import { scanLedgers } from '../ledger/freshness-scan';
import { metrics } from '../powertools';
import type { LedgerDependencies, Provide } from './dependencies';
import { type HandlerOptions, withPowertools } from './middy';

/** What the invocation returns (the workflow discards it; a console test invocation shows it). */
export interface FreshnessResult {
  publishedAt: string;
  ledgersRead: number;
  ledgersCorrupt: number;
  exportTypes: Array<Omit<ExportTypeFreshness, 'newestDay' | 'stalestPairs' | 'neverLanded'> & { newestDay: string | null }>;
}

/** One type's values under the ExportType dimension; an age without a landed day is left out, not 0. */
const publish = (exportType: ExportType, values: Record<FreshnessMetric, number | undefined>): void => {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    // A single metric is flushed by its addMetric, dimensions and all: one EMF line per value.
    const single = metrics.singleMetric();
    single.addDimension(EXPORT_TYPE_DIMENSION, exportType);
    single.addMetric(name, name.endsWith('Days') ? MetricUnit.NoUnit : MetricUnit.Count, value);
  }
};

export const createFreshnessHandler = (provide: Provide<LedgerDependencies>, options?: HandlerOptions) =>
  withPowertools(
    freshnessEventSchema,
    async (event, _context, log): Promise<FreshnessResult> => {
      const { config, s3, now } = provide();
      log.appendKeys({ trigger: event?.trigger ?? 'manual', ...(event?.executionName && { executionName: event.executionName }) });
      const scan = await scanLedgers({ s3, bucket: config.BUCKET_NAME, prefix: config.KEY_PREFIX });
      const at = now();
      const freshness = freshnessByType(scan.pairs, at, { exportTypes: config.EXPORT_TYPES });
      for (const type of freshness) {
        publish(type.exportType, {
          [FRESHNESS_METRICS.newestDayAge]: type.newestDayAgeDays,
          [FRESHNESS_METRICS.stalestPairAge]: type.stalestPairAgeDays,
          [FRESHNESS_METRICS.pairsNeverLanded]: type.pairsNeverLanded,
          [FRESHNESS_METRICS.pairsWithLedger]: type.pairsWithLedger,
        });
      }
      metrics.addMetric(FRESHNESS_RUN_METRICS.ledgersRead, MetricUnit.Count, scan.ledgersRead);
      metrics.addMetric(FRESHNESS_RUN_METRICS.ledgersCorrupt, MetricUnit.Count, scan.corruptCount);
      if (scan.corruptCount > 0) {
        log.warn('Export ledgers that do not parse are left out of freshness', { count: scan.corruptCount, first: scan.corrupt });
      }
      if (scan.foreignCount > 0) {
        log.warn('Objects under the ledger folder that are not ledgers were ignored', {
          count: scan.foreignCount,
          first: scan.foreignKeys,
        });
      }
      const day = (ms: number | undefined) => (ms === undefined ? null : formatUtcDay(ms));
      log.info('Freshness published', {
        ledgersRead: scan.ledgersRead,
        exportTypes: freshness.map((type) => ({
          exportType: type.exportType,
          pairsWithLedger: type.pairsWithLedger,
          pairsNeverLanded: type.pairsNeverLanded,
          newestDay: day(type.newestDay),
          newestDayAgeDays: type.newestDayAgeDays ?? null,
          stalestPairAgeDays: type.stalestPairAgeDays ?? null,
          stalestPairs: type.stalestPairs.map((pair) => ({
            contract: pair.contract,
            newestDay: day(pair.newestDay),
            ageDays: pair.ageDays,
          })),
          neverLanded: type.neverLanded,
        })),
      });
      return {
        publishedAt: new Date(at).toISOString(),
        ledgersRead: scan.ledgersRead,
        ledgersCorrupt: scan.corruptCount,
        exportTypes: freshness.map(({ newestDay, stalestPairs: _stalest, neverLanded: _never, ...type }) => ({
          ...type,
          newestDay: day(newestDay),
        })),
      };
    },
    options,
  );
