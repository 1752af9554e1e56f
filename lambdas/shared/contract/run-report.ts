/**
 * The run report: what one execution did for every (contract, export type) pair, written by the
 * Summarize step to S3 (docs/design.md, "Partner scale") and read by `npm run cli -- status` and
 * the local runner. The execution output and the Fail cause carry a bounded summary; the report
 * carries every pair.
 *
 * What the export ledger changed (days skipped as already landed, jobs resumed, objects superseded,
 * creates unconfirmed) was added to version 1 without a new version: reports written before it, by
 * runs that had no ledger, are still read (for `status` and `rerunOf`), their missing counts and
 * lists meaning none, which is what those runs did.
 */
import * as z from 'zod/mini';
import './zod-locale';
import { EXPORT_TYPES } from './export-types';
import { alreadyLandedPairSchema, exportResultSchema, exportWindowSchema, landedTotalsSchema, ledgerNotesSchema } from './state';

const count = z.number().check(z.int(), z.nonnegative());
/** A count a report of a run before the ledger does not have: none. */
const ledgerCount = z._default(count, 0);

/** The pairs the Plan left out because every day asked had landed (the Plan writes it at `run.skippedKey`). */
export const alreadyLandedListSchema = z.array(alreadyLandedPairSchema);

/** A pair that did not land, as `--json` lists it: the planned window and why it failed. */
export const failedPairSchema = z.strictObject({
  exportType: z.enum(EXPORT_TYPES),
  contract: z.string(),
  startAt: z.number(),
  endAt: z.number(),
  error: z.string(),
  cause: z.string(),
});
export type FailedPair = z.infer<typeof failedPairSchema>;

/** One pair in the report. */
export const pairReportSchema = z.strictObject({
  exportType: z.enum(EXPORT_TYPES),
  contract: z.string(),
  /** The window the plan gave the pair (first day inclusive, last exclusive). */
  window: exportWindowSchema,
  outcome: z.enum(['landed', 'failed']),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
  /** The child execution that ran the pair. */
  executionArn: z.string(),
  /** LinkedIn jobs of the landed objects (a failed pair's cause names its jobs). */
  jobIds: z.array(z.number()),
  landed: landedTotalsSchema,
  /** The landed objects the pair's state kept (see MAX_RESULTS_IN_TASK); `landed` counts them all. */
  objects: z.array(exportResultSchema),
  /** What the export ledger changed about the pair's work: its final task's notes (a failed pair has no final task). */
  ledger: z.optional(ledgerNotesSchema),
});
export type PairReport = z.infer<typeof pairReportSchema>;

export const RUN_OUTCOMES = ['succeeded', 'partial', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const runCountsSchema = z.strictObject({
  /** Pairs the Map ran (the Plan's pairs with days to export). */
  pairs: count,
  landed: count,
  failed: count,
  objects: count,
  rows: count,
  bytes: count,
  /** Pairs the Plan left out, every day asked already landed (the report's `alreadyLanded`). */
  alreadyLandedPairs: ledgerCount,
  /** Days not exported because they had landed: the left-out pairs' and those cut from the Map's pairs. */
  skippedDays: ledgerCount,
  /** LinkedIn jobs of an earlier (dead) execution checked and copied instead of created again. */
  resumedJobs: ledgerCount,
  /** Older objects forced exports moved to superseded/. */
  superseded: ledgerCount,
  /** Creates whose answer was lost: LinkedIn may hold jobs nobody can name (`npm run cli -- ledger`). */
  unconfirmedCreates: ledgerCount,
});
export type RunCounts = z.infer<typeof runCountsSchema>;

export const runReportSchema = z.strictObject({
  version: z.literal(1),
  executionName: z.string(),
  executionArn: z.string(),
  mapRunArn: z.nullable(z.string()),
  createdAt: z.string(),
  outcome: z.enum(RUN_OUTCOMES),
  /** PartialFailure, the pairs' shared error name, or null when every pair landed. */
  error: z.nullable(z.string()),
  cause: z.nullable(z.string()),
  counts: runCountsSchema,
  /** Failed pairs by error name. */
  failedByError: z.record(z.string(), count),
  pairs: z.array(pairReportSchema),
  /** The pairs the Plan left out, every day asked already landed, in plan order (none before the ledger). */
  alreadyLanded: z._default(alreadyLandedListSchema, () => []),
});
export type RunReport = z.infer<typeof runReportSchema>;

/**
 * The Summarize step's output: the execution output when every pair landed, the Fail state's
 * error and cause otherwise. Bounded whatever the number of pairs (MAX_SUMMARY_BYTES).
 */
export const runSummarySchema = z.strictObject({
  outcome: z.enum(RUN_OUTCOMES),
  error: z.nullable(z.string()),
  cause: z.nullable(z.string()),
  counts: runCountsSchema,
  reportUri: z.string(),
  /** Landed objects, in plan order, while they fit. */
  exports: z.array(exportResultSchema),
  /** Landed objects left out of `exports` to keep the output small (the report lists them). */
  exportsOmitted: count,
  /** The first failed pairs (the report lists them all). */
  failed: z.array(failedPairSchema),
  failedOmitted: count,
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** The error of a run in which some pairs failed and others landed. */
export const PARTIAL_FAILURE = 'PartialFailure';
/** The error of a run in which every pair failed, for different reasons. */
export const EXPORTS_FAILED = 'ExportsFailed';

/**
 * A failed execution has no output, only its Fail state's cause: the Summarize step ends every
 * cause with this line so `status` can find the report of a failed run.
 */
export const reportLine = (reportUri: string): string => `Report: ${reportUri}`;

/** The report URI that {@link reportLine} put at the end of a cause, if any. */
export const reportUriFromCause = (cause: string | null | undefined): string | undefined =>
  /(?:^|\n| )Report: (s3:\/\/\S+)\s*$/.exec(cause ?? '')?.[1];
