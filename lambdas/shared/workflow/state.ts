/**
 * The data that flows through the state machine. Every Lambda after `plan` takes an
 * `ExportTask` and returns the next `ExportTask`; the state machine only routes on
 * `next` and waits `waitSeconds`. Nothing secret lives here: no token, no downloadUrl
 * (execution history shows state in the console).
 */
import type { ExportType } from '../linkedin/export-types';

/** A UTC day-aligned window in epoch milliseconds; `startAt` inclusive, `endAt` exclusive. */
export interface ExportWindow {
  startAt: number;
  endAt: number;
}

/** What the state machine does after a Lambda returns (the Choice state routes on it). */
export type NextStep =
  | 'poll' // wait `waitSeconds`, then check the job again
  | 'copy' // the job is COMPLETED: copy its CSV to S3
  | 'create' // wait `waitSeconds` (may be 0), then create a job for pending[0]
  | 'done'; // no window left: this export is finished

/** The LinkedIn job that is exporting `pending[0]`. */
export interface JobProgress {
  id: number;
  /** When the job was created, epoch ms: the per-job deadline counts from here. */
  createdAt: number;
  /** GETs of this job so far. */
  polls: number;
  /** The last status LinkedIn reported (a raw string, it may be one we do not know). */
  status: string;
  /** Seconds waited for this job so far (sum of poll waits), for metrics. */
  waitedSeconds: number;
}

/** One landed, verified object. */
export interface ExportResult {
  exportType: ExportType;
  contract: string;
  startAt: number;
  endAt: number;
  /** Every LinkedIn job created for this window (re-creations included), oldest first. */
  jobIds: number[];
  rowCount: number;
  bytes: number;
  sha256: string;
  s3Uri: string;
  manifestUri: string;
  /** LinkedIn reported rowCount 0: the object holds the header only. */
  empty: boolean;
}

/** One Map item: one (contract, export type) pair, whose windows run one after another. */
export interface ExportTask {
  exportType: ExportType;
  contract: string;
  /** Windows still to export, in order; the head is the one being worked on. */
  pending: ExportWindow[];
  /** Objects landed so far, in order. */
  results: ExportResult[];
  /** The job for pending[0], once created. */
  job?: JobProgress;
  /** Jobs created so far for pending[0] (re-creations included). */
  jobIds: number[];
  /** Bounded retry counters for pending[0]; reset when the window changes. */
  retries: { recreate: number; dataDelay: number };
  next: NextStep;
  waitSeconds: number;
}

/** The plan Lambda's input: what the state machine hands it. */
export interface PlanEvent {
  /** The execution input exactly as given (console JSON or the schedule's template). */
  input: unknown;
  /** `$$.Execution.StartTime` (ISO-8601): "now" for inputs that do not name a window. */
  executionStartTime: string;
}

/** The plan Lambda's output: one task per (contract, export type). */
export interface PlanResult {
  exports: ExportTask[];
}

/** The execution output. */
export interface ExecutionOutput {
  exports: ExportResult[];
}
