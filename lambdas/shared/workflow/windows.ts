/**
 * UTC day arithmetic on epoch milliseconds, and the rules that turn a date range into
 * LinkedIn export jobs. Pure: no clock reads (callers pass "now" in), no time zones other
 * than UTC. Epoch milliseconds ignore leap seconds, so every UTC day is exactly DAY_MS long
 * and there is no daylight-saving time to get wrong.
 */
import { DAY_MS, MAX_JOB_DAYS } from '../contract/linkedin-limits';
import { formatUtcDay } from '../contract/utc-day';
import type { ExportWindow } from '../contract/state';

/** `a mod n` that stays non-negative for negative `a` (epoch ms before 1970). */
const floorMod = (a: number, n: number): number => ((a % n) + n) % n;

/** 00:00 UTC of the day that contains `ms`. */
export const startOfUtcDay = (ms: number): number => ms - floorMod(ms, DAY_MS);

/** True for an integer epoch-ms value that falls exactly on 00:00:00.000 UTC. */
export const isUtcMidnight = (ms: number): boolean => Number.isSafeInteger(ms) && floorMod(ms, DAY_MS) === 0;

/** Whole days in a day-aligned window. */
export const windowDays = (window: ExportWindow): number => (window.endAt - window.startAt) / DAY_MS;

/**
 * A window as operators read it in messages and logs, e.g.
 * `2026-11-01 to 2026-11-08 (end exclusive)`: the same convention as the input and the keys.
 */
export const formatWindow = (window: ExportWindow): string =>
  `${formatUtcDay(window.startAt)} to ${formatUtcDay(window.endAt)} (end exclusive)`;

/** Throws a RangeError unless `window` is a non-empty window on UTC day boundaries. */
export const assertDayAligned = (window: ExportWindow): void => {
  if (!isUtcMidnight(window.startAt) || !isUtcMidnight(window.endAt) || window.startAt >= window.endAt) {
    throw new RangeError(`Not a non-empty UTC day-aligned window: startAt ${window.startAt}, endAt ${window.endAt}`);
  }
};

/**
 * Cuts a day-aligned window into consecutive job windows of at most `maxDays` days, in
 * order; only the last one may be shorter. A window that already fits comes back as is.
 */
export const cutIntoJobWindows = (window: ExportWindow, maxDays: number = MAX_JOB_DAYS): ExportWindow[] => {
  assertDayAligned(window);
  if (!Number.isInteger(maxDays) || maxDays < 1) throw new RangeError(`maxDays must be a positive integer, got ${maxDays}`);
  const windows: ExportWindow[] = [];
  for (let startAt = window.startAt; startAt < window.endAt; startAt += maxDays * DAY_MS) {
    windows.push({ startAt, endAt: Math.min(startAt + maxDays * DAY_MS, window.endAt) });
  }
  return windows;
};

/**
 * Splits a day-aligned window on a day boundary into two consecutive halves, for a job that
 * LinkedIn refused as too large. For an odd number of days the first half gets the extra
 * day. A one-day window cannot be split (LinkedIn takes nothing finer than days from us):
 * `null`.
 */
export const halveWindow = (window: ExportWindow): [ExportWindow, ExportWindow] | null => {
  assertDayAligned(window);
  const days = windowDays(window);
  if (days < 2) return null;
  const middle = window.startAt + Math.ceil(days / 2) * DAY_MS;
  return [
    { startAt: window.startAt, endAt: middle },
    { startAt: middle, endAt: window.endAt },
  ];
};

/**
 * The window a scheduled run exports, derived from the schedule's scheduled time (never from
 * "now", so a retried or late start exports the same window).
 *
 * Rule: `endAt = 00:00 UTC of the scheduled day − lagDays days`, and the window is the
 * `windowDays` whole days before that. Equivalently, `endAt` is the latest UTC midnight at
 * least `lagDays × 24 h` before the scheduled time, so every exported day ended at least one
 * full LinkedIn refresh cycle (24 h) before the run when lagDays ≥ 1: data inside the last
 * 24 h is never requested (LinkedIn asks integrations not to). Example, lag 1, window 1:
 * scheduled 2026-11-28T06:00Z → [2026-11-26, 2026-11-27). The day 2026-11-27 ended only 6 h
 * before the run and may not be refreshed yet; it is exported by the next day's run. Lag 0
 * exports the day that has just ended ([2026-11-27, 2026-11-28)).
 */
export const scheduledWindow = (scheduledTimeMs: number, lagDays: number, windowDays: number): ExportWindow => {
  if (!Number.isFinite(scheduledTimeMs)) throw new RangeError(`scheduledTimeMs must be finite, got ${scheduledTimeMs}`);
  if (!Number.isInteger(lagDays) || lagDays < 0) throw new RangeError(`lagDays must be an integer >= 0, got ${lagDays}`);
  if (!Number.isInteger(windowDays) || windowDays < 1) {
    throw new RangeError(`windowDays must be an integer >= 1, got ${windowDays}`);
  }
  const endAt = startOfUtcDay(scheduledTimeMs) - lagDays * DAY_MS;
  return { startAt: endAt - windowDays * DAY_MS, endAt };
};

/**
 * The latest `endAt` an explicit (console) window may have when the execution started at
 * `nowMs`: the end of the current UTC day. A window that ends later asks for days that have
 * not begun, for which LinkedIn has no data. The current, unfinished day is still allowed, for
 * an operator who knowingly wants today's partial data (LinkedIn may answer DATA_DELAY, which
 * the workflow retries; a later run of the same window overwrites the object). Scheduled runs
 * never ask for it (see scheduledWindow).
 */
export const latestAllowedEndAt = (nowMs: number): number => startOfUtcDay(nowMs) + DAY_MS;
