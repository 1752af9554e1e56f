/**
 * Export jobs and their lifecycle. A job's whole timeline is fixed when it is created, so its
 * status is a pure function of the (simulated) clock: no timers, and advancing the clock
 * moves every job forward at once.
 *
 * Queueing follows LinkedIn's FAQ (docs/linkedin-api.md §6): one job in progress per
 * (contract, action); a later job waits ENQUEUED until the earlier one has finished, and only
 * then does its own ENQUEUED → PROCESSING → terminal clock start.
 */
import { randomBytes } from 'node:crypto';
import type { ExportAction, ExportType } from '../../lambdas/shared/contract/export-types';
import type { HeaderChange } from './header-change';

export interface SimJob {
  readonly id: number;
  readonly contract: string;
  readonly action: ExportAction;
  readonly exportType: ExportType;
  readonly startAt: number;
  readonly endAt: number;
  readonly createdAt: number;
  /** When the job leaves ENQUEUED. */
  readonly processingAt: number;
  /** When the job reaches its terminal status. */
  readonly finishedAt: number;
  /** COMPLETED, a FAILED_* status, or any injected string. */
  readonly terminalStatus: string;
  /** Data rows in the file. */
  readonly rows: number;
  /** What the job reports as rowCount (differs from `rows` only under the rowCountDelta fault). */
  readonly reportedRowCount: number;
  /** The header-change fault in force when the job was created: its file's columns. */
  readonly headerChange?: HeaderChange;
  /** The current download URL's token and expiry, once minted. */
  url?: { token: string; expireAt: number };
  /** Exact file size, computed on first download and cached. */
  byteSize?: number;
}

export interface NewJob {
  contract: string;
  action: ExportAction;
  exportType: ExportType;
  startAt: number;
  endAt: number;
  terminalStatus: string;
  rows: number;
  reportedRowCount: number;
  extraProcessingMs: number;
  headerChange?: HeaderChange;
}

export interface Lifecycle {
  enqueuedMs: number;
  processingMs: number;
  retentionMs: number;
}

/** Where a job stands at a given instant. */
export const jobStatus = (job: SimJob, now: number): string =>
  now < job.processingAt ? 'ENQUEUED' : now < job.finishedAt ? 'PROCESSING' : job.terminalStatus;

export class JobStore {
  private readonly jobs = new Map<number, SimJob>();
  private readonly laneFreeAt = new Map<string, number>();
  private readonly urls = new Map<string, number>();
  private nextId: number;

  constructor(
    private readonly lifecycle: Lifecycle,
    firstId: number,
  ) {
    this.nextId = firstId;
  }

  /** Creates a job at `now`, queued behind its (contract, action) lane. */
  create(input: NewJob, now: number): SimJob {
    const lane = `${input.contract}|${input.action}`;
    const turnAt = Math.max(now, this.laneFreeAt.get(lane) ?? now);
    const processingAt = turnAt + this.lifecycle.enqueuedMs;
    const finishedAt = processingAt + this.lifecycle.processingMs + input.extraProcessingMs;
    this.laneFreeAt.set(lane, finishedAt);
    const job: SimJob = { ...input, id: this.nextId++, createdAt: now, processingAt, finishedAt };
    this.jobs.set(job.id, job);
    return job;
  }

  /** The job if it exists, belongs to `contract` and is within retention; else undefined (a 404). */
  find(id: number, contract: string, now: number): SimJob | undefined {
    const job = this.jobs.get(id);
    if (!job || job.contract !== contract || !this.retained(job, now)) return undefined;
    return job;
  }

  /** Files (and the jobs) are kept for the retention period after they finish (7 days). */
  retained(job: SimJob, now: number): boolean {
    return now < job.finishedAt + this.lifecycle.retentionMs;
  }

  /**
   * The job's download URL token, minting a fresh one when there is none or the last one has
   * expired (LinkedIn: a GET after expiry, within retention, gives a new URL).
   */
  currentUrl(job: SimJob, now: number, lifetimeMs: number): { token: string; expireAt: number } {
    if (!job.url || now >= job.url.expireAt) {
      const token = randomBytes(24).toString('base64url');
      job.url = { token, expireAt: now + lifetimeMs };
      this.urls.set(token, job.id);
    }
    return job.url;
  }

  /** The job a download token was minted for (whether or not the token is still valid). */
  byToken(token: string): SimJob | undefined {
    const id = this.urls.get(token);
    return id === undefined ? undefined : this.jobs.get(id);
  }

  all(): SimJob[] {
    return [...this.jobs.values()];
  }
}
