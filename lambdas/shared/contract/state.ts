/**
 * The data that flows through the state machine, as strict schemas with the types inferred from
 * them: one declaration, so a field added to a type is a field the handlers accept. Every Lambda
 * after `plan` takes an `ExportTask` and returns the next one; the state machine only routes on
 * `next` and waits `waitSeconds`. A handler receives only what an earlier handler returned, so a
 * key the schema does not know means mismatched deployed versions or a hand-edited redrive: the
 * schemas are strict and fail loudly instead of dropping it.
 *
 * Nothing secret lives here: no token, no downloadUrl (execution history shows state in the console).
 */
import * as z from 'zod/mini';
import './zod-locale';
import { EXPORT_TYPES } from './export-types';

const epochMs = z.number().check(z.int(), z.nonnegative());
const count = z.number().check(z.int(), z.nonnegative());
const jobId = z.number().check(z.int());

/** A UTC day-aligned window in epoch milliseconds; `startAt` inclusive, `endAt` exclusive. */
export const exportWindowSchema = z.strictObject({ startAt: epochMs, endAt: epochMs });
export type ExportWindow = z.infer<typeof exportWindowSchema>;

/**
 * What the state machine does after a Lambda returns (the Choice state routes on it):
 * `claim` waits `waitSeconds` (may be 0) then claims pending[0] in the export ledger (skipping the
 * days already landed, waiting for another execution's live claim, or resuming a dead one's job);
 * `poll` waits `waitSeconds` then checks the job again; `copy` copies the COMPLETED job's CSV;
 * `create` waits `waitSeconds` (may be 0) then creates a job for pending[0]; `done`: no window left.
 */
export const NEXT_STEPS = ['claim', 'poll', 'copy', 'create', 'done'] as const;
export type NextStep = (typeof NEXT_STEPS)[number];

/**
 * Why the last transition chose `next`, so progress and logs can say it without comparing states:
 * `planned` (a new export), `claimed` (pending[0] is ours: create its job), `claimHeld` (another
 * live execution holds these days: claim again later), `resumed` (a job already made for these
 * days is checked instead of creating one), `alreadyLanded` (every pending day had landed),
 * `created` (job created, check it at once), `running` (still running),
 * `completed` (copy it), `split` (file too large: the halves replace the window), `dataDelay`
 * (LinkedIn's data is late: create again later), `recreate` (the job failed: create again),
 * `copied` (landed: next window or done).
 */
export const TRANSITION_REASONS = [
  'planned',
  'claimed',
  'claimHeld',
  'resumed',
  'alreadyLanded',
  'created',
  'running',
  'completed',
  'split',
  'dataDelay',
  'recreate',
  'copied',
] as const;
export type TransitionReason = (typeof TRANSITION_REASONS)[number];

/** The LinkedIn job that is exporting `pending[0]`. */
export const jobProgressSchema = z.strictObject({
  id: jobId,
  /** When the job was created, epoch ms: the per-job deadline counts from here. */
  createdAt: epochMs,
  /** GETs of this job so far. */
  polls: count,
  /** The last status LinkedIn reported (a raw string, it may be one we do not know). */
  status: z.string(),
  /** Seconds waited for this job so far (sum of poll waits), for metrics. */
  waitedSeconds: z.number().check(z.nonnegative()),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

/** One landed, verified object. */
export const exportResultSchema = z.strictObject({
  exportType: z.enum(EXPORT_TYPES),
  contract: z.string(),
  startAt: epochMs,
  endAt: epochMs,
  /** Every LinkedIn job created for this window (re-creations included), oldest first. */
  jobIds: z.array(jobId),
  rowCount: count,
  bytes: count,
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  /** The first day's object (contract/layout.ts: one object per day of the window). */
  s3Uri: z.string(),
  /** The window's manifest: LinkedIn's file and every day object it became. */
  manifestUri: z.string(),
  /** Day objects landed: one per day of the window. */
  objects: count,
  /** LinkedIn reported rowCount 0: the object holds the header only. */
  empty: z.boolean(),
});
export type ExportResult = z.infer<typeof exportResultSchema>;

/**
 * What the export ledger changed about a pair's work, for the run report, `npm start` and the CLI:
 * the first MAX_RESULTS_IN_TASK windows of each kind, and counts of all of them.
 */
export const ledgerNotesSchema = z.strictObject({
  /** Days not exported because they had landed, verified (merged windows). */
  skipped: z.array(exportWindowSchema),
  skippedDays: count,
  /** Jobs created by an earlier (dead) execution, checked and copied instead of making new ones. */
  resumedJobIds: z.array(jobId),
  /** Keys of older objects a forced export moved out of the data location. */
  superseded: z.array(z.string()),
  supersededCount: count,
  /** Creates whose answer was lost (LinkedIn may hold a job nobody can name: the ledger lists it). */
  unconfirmedCreates: count,
  /** Waits for another execution's claim on the same days. */
  claimWaits: count,
});
export type LedgerNotes = z.infer<typeof ledgerNotesSchema>;

/** Totals of what a pair (or a run) landed. */
export const landedTotalsSchema = z.strictObject({ objects: count, rows: count, bytes: count });
export type LandedTotals = z.infer<typeof landedTotalsSchema>;

/**
 * One Map item: one (contract, export type) pair, whose windows run one after another in its own
 * child execution; it is also that execution's output (next `done`).
 */
export const exportTaskSchema = z.strictObject({
  exportType: z.enum(EXPORT_TYPES),
  contract: z.string(),
  /** Windows still to export, in order; the head is the one being worked on. */
  pending: z.array(exportWindowSchema),
  /** Objects landed so far, in order: the first MAX_RESULTS_IN_TASK (contract/quotas.ts). */
  results: z.array(exportResultSchema),
  /** Everything landed so far, kept in `results` or not. */
  landed: landedTotalsSchema,
  /**
   * Task steps run in this execution; at MAX_STEPS_PER_EXECUTION the Route state continues the
   * pair in a fresh execution (reset to 0), so no amount of work outgrows one history.
   */
  steps: count,
  /**
   * `{"force": true}` in the input: export the days even if they landed, and let the new object
   * supersede every older one covering any of its days.
   */
  force: z.optional(z.boolean()),
  /**
   * The named authorization whose token exports this pair (its contract is among the ones it
   * covers); absent: the default one, in the token secret (docs/tokens.md).
   */
  authorization: z.optional(z.string()),
  /**
   * The execution that claims this pair's windows in the export ledger (the pair's first
   * execution; its continuations act in its name). Set by the first claim.
   */
  owner: z.optional(z.string()),
  /** What the ledger changed about this pair's work; set by the first claim. */
  ledger: z.optional(ledgerNotesSchema),
  /** The job for pending[0], once created. */
  job: z.optional(jobProgressSchema),
  /** Jobs created so far for pending[0] (re-creations included). */
  jobIds: z.array(jobId),
  /** Bounded retry counters for pending[0]; reset when the window changes. */
  retries: z.strictObject({ recreate: count, dataDelay: count }),
  next: z.enum(NEXT_STEPS),
  reason: z.enum(TRANSITION_REASONS),
  waitSeconds: count,
});
export type ExportTask = z.infer<typeof exportTaskSchema>;

/** The claim step's input: the task, and the execution that runs it (`$$.Execution.Id`). */
export const claimEventSchema = z.strictObject({
  task: exportTaskSchema,
  executionArn: z.string(),
});
export type ClaimEvent = z.infer<typeof claimEventSchema>;

/** The plan Lambda's input: what the state machine hands it. */
export const planEventSchema = z.strictObject({
  /** The execution input exactly as given (console JSON or the schedule's template). */
  input: z.unknown(),
  /** `$$.Execution.StartTime` (ISO-8601): "now" for inputs that do not name a window. */
  executionStartTime: z.string(),
  /** `$$.Execution.Name`: names the run's folder in S3 (the items, the report). */
  executionName: z.string(),
  /** `$$.Execution.Id`, for the run report. */
  executionArn: z.string(),
});
export type PlanEvent = z.infer<typeof planEventSchema>;

/** Where one run keeps its files (lambdas/shared/workflow/keys.ts runKeys). */
export const runLocationSchema = z.strictObject({
  bucket: z.string(),
  executionName: z.string(),
  /** `$$.Execution.Id`. */
  executionArn: z.string(),
  /** The Plan's pairs, a JSON array of ExportTask (the Distributed Map's ItemReader reads it). */
  itemsKey: z.string(),
  /** Where the Summarize step writes the run report. */
  reportKey: z.string(),
  /** The pairs the Plan left out because every day asked had landed: a JSON array of AlreadyLandedPair. */
  skippedKey: z.string(),
});
export type RunLocation = z.infer<typeof runLocationSchema>;

/** A pair the Plan left out because every day asked had landed and is verified in the ledger. */
export const alreadyLandedPairSchema = z.strictObject({
  exportType: z.enum(EXPORT_TYPES),
  contract: z.string(),
  /** The days asked, merged into windows (all landed). */
  windows: z.array(exportWindowSchema),
  days: count,
});
export type AlreadyLandedPair = z.infer<typeof alreadyLandedPairSchema>;

/** The plan Lambda's output: where the pairs are, never the pairs themselves (they may be 30,000). */
export const planResultSchema = z.strictObject({
  run: runLocationSchema,
  /** Pairs with days to export (the Map's items). */
  pairs: count,
  /** Pairs left out, every day asked already landed (listed at `run.skippedKey`), and their days. */
  alreadyLanded: z.strictObject({ pairs: count, days: count }),
  contracts: count,
  exportTypes: z.array(z.enum(EXPORT_TYPES)),
  window: exportWindowSchema,
});
export type PlanResult = z.infer<typeof planResultSchema>;

/** The Summarize step's input: the Plan's output and the Map's output (or the Map's error). */
export const summarizeEventSchema = z.extend(planResultSchema, {
  /** The Map's output (MapRunArn, ResultWriterDetails) when it ended normally. */
  mapRun: z.optional(z.unknown()),
  /** The Map's error ({Error, Cause}) when it failed, e.g. past its tolerated failures. */
  mapFailure: z.optional(z.strictObject({ Error: z.string(), Cause: z.optional(z.string()) })),
});
export type SummarizeEvent = z.infer<typeof summarizeEventSchema>;
