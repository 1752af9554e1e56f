/**
 * When the copy GETs the job again for a fresh download URL, when it re-downloads from byte 0,
 * and when it gives up. Pure: the caller does the waiting, the GET and the download.
 *
 * - A URL with less than `urlMinRemainingMs` left is not started on: LinkedIn mints a new URL only
 *   once the old one has expired (docs/linkedin-api.md §4.3), so the caller waits for it to lapse if
 *   that fits in the run, then refreshes.
 * - A 403/410 from the download means the URL expired: refresh, bounded by `maxUrlRefreshes`,
 *   then `DownloadUrlExpired`.
 * - A dropped connection (or a body short of its Content-Length) is retried from byte 0 at most
 *   `maxDroppedConnectionRetries` times, then `TruncatedDownload`.
 */
import { ERROR_NAMES, NamedError } from '../contract/error-names';

export interface RetryLimits {
  maxUrlRefreshes: number;
  maxDroppedConnectionRetries: number;
}

/** What has been spent so far of each allowance. */
export interface RetryTally {
  refreshes: number;
  dropRetries: number;
}

export const NOTHING_SPENT: RetryTally = { refreshes: 0, dropRetries: 0 };

/** Something that stopped an attempt short of a copy, and what the copy does next about it. */
export type Setback =
  /** The URL in hand is unusable before the download starts (see {@link shortLivedUrl}). */
  | { kind: 'short-lived'; why: string }
  /** The download answered 403/410. */
  | { kind: 'expired'; status: number }
  | { kind: 'dropped'; reason: string };

export type NextStep =
  | { kind: 'refresh'; why: string; tally: RetryTally }
  | { kind: 'retry'; reason: string; tally: RetryTally }
  | { kind: 'give-up'; error: NamedError };

export interface ShortLivedUrl {
  /** Milliseconds until `expireAt`; zero or less once it has passed. */
  urlLifeMs: number;
  why: string;
}

/** @returns why the URL is too close to expiry to start a download on, or undefined when it is fine */
export const shortLivedUrl = (job: { id: number; expireAt: number }, now: number, minRemainingMs: number): ShortLivedUrl | undefined => {
  const urlLifeMs = job.expireAt - now;
  if (urlLifeMs >= minRemainingMs) return undefined;
  const left = urlLifeMs > 0 ? `expires in ${Math.ceil(urlLifeMs / 1000)} s` : 'has expired';
  return { urlLifeMs, why: `the download URL for job ${job.id} ${left}, under the ${Math.round(minRemainingMs / 1000)} s minimum` };
};

/**
 * How long to wait for a short-lived URL to lapse. The extra second keeps the next GET from
 * landing at the very instant of expiry, when it could still be handed the same URL.
 * @param timeLeftMs what the copy's deadline still allows
 */
export const expiryWait = (
  url: ShortLivedUrl,
  timeLeftMs: number,
): { kind: 'wait'; waitMs: number } | { kind: 'give-up'; error: NamedError } => {
  const waitMs = url.urlLifeMs + 1_000;
  if (waitMs >= timeLeftMs) {
    return {
      kind: 'give-up',
      error: new NamedError(ERROR_NAMES.urlExpired, `${url.why}, and waiting for a fresh one does not fit in this run`),
    };
  }
  return { kind: 'wait', waitMs };
};

/** Decides what follows a setback of the copy of job `jobId`, given what has been spent. */
export const afterSetback = (setback: Setback, tally: RetryTally, limits: RetryLimits, jobId: number): NextStep => {
  if (setback.kind === 'dropped') {
    if (tally.dropRetries >= limits.maxDroppedConnectionRetries) {
      return {
        kind: 'give-up',
        error: new NamedError(
          ERROR_NAMES.truncated,
          `The download for job ${jobId} ended early ${tally.dropRetries + 1} time(s): ${setback.reason}`,
        ),
      };
    }
    return { kind: 'retry', reason: setback.reason, tally: { ...tally, dropRetries: tally.dropRetries + 1 } };
  }

  const why = setback.kind === 'expired' ? `the download URL for job ${jobId} answered HTTP ${setback.status} (expired)` : setback.why;
  if (tally.refreshes >= limits.maxUrlRefreshes) {
    return {
      kind: 'give-up',
      error: new NamedError(ERROR_NAMES.urlExpired, `No usable download URL for job ${jobId} after ${tally.refreshes} refresh(es): ${why}`),
    };
  }
  // A URL that expires mid-download shows up as a dropped connection first; a fresh URL gets a
  // fresh allowance, so the refresh limit (not the drop limit) decides when to give up.
  const dropRetries = setback.kind === 'expired' ? 0 : tally.dropRetries;
  return { kind: 'refresh', why, tally: { refreshes: tally.refreshes + 1, dropRetries } };
};
