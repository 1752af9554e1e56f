/**
 * Day arithmetic of the export ledger: every window is whole UTC days, `startAt` inclusive and
 * `endAt` exclusive (epoch ms), so sets of days are unions of such windows and every operation
 * here is exact interval arithmetic on day boundaries.
 */
import { DAY_MS, MAX_JOB_DAYS } from '../contract/linkedin-limits';
import type { ExportWindow } from '../contract/state';
import { cutIntoJobWindows } from '../workflow/windows';

/** The windows in order, overlapping or touching ones joined. */
export const mergeWindows = (windows: readonly ExportWindow[]): ExportWindow[] => {
  const sorted = windows.filter((w) => w.endAt > w.startAt).sort((a, b) => a.startAt - b.startAt || a.endAt - b.endAt);
  const merged: ExportWindow[] = [];
  for (const window of sorted) {
    const last = merged.at(-1);
    if (last && window.startAt <= last.endAt) last.endAt = Math.max(last.endAt, window.endAt);
    else merged.push({ startAt: window.startAt, endAt: window.endAt });
  }
  return merged;
};

/** Whether two windows share at least one day. */
export const sharesDays = (a: ExportWindow, b: ExportWindow): boolean => a.startAt < b.endAt && b.startAt < a.endAt;

/** The days of `window` that no window of `covered` holds, in order. */
export const subtractDays = (window: ExportWindow, covered: readonly ExportWindow[]): ExportWindow[] => {
  const gaps: ExportWindow[] = [];
  let cursor = window.startAt;
  for (const taken of mergeWindows(covered)) {
    if (taken.endAt <= cursor) continue;
    if (taken.startAt >= window.endAt) break;
    if (taken.startAt > cursor) gaps.push({ startAt: cursor, endAt: taken.startAt });
    cursor = Math.max(cursor, taken.endAt);
  }
  if (cursor < window.endAt) gaps.push({ startAt: cursor, endAt: window.endAt });
  return gaps;
};

/** The days of `window` that `covered` holds, merged. */
export const intersectDays = (window: ExportWindow, covered: readonly ExportWindow[]): ExportWindow[] =>
  mergeWindows(covered)
    .map((w) => ({ startAt: Math.max(w.startAt, window.startAt), endAt: Math.min(w.endAt, window.endAt) }))
    .filter((w) => w.endAt > w.startAt);

/** Days in the windows (which must not overlap: merge them first). */
export const countDays = (windows: readonly ExportWindow[]): number =>
  windows.reduce((days, w) => days + Math.round((w.endAt - w.startAt) / DAY_MS), 0);

/**
 * The gaps of `windows` once `covered` days are taken out, cut into LinkedIn-sized jobs (at most
 * MAX_JOB_DAYS each), in order.
 */
export const gapJobWindows = (windows: readonly ExportWindow[], covered: readonly ExportWindow[]): ExportWindow[] =>
  windows.flatMap((window) => subtractDays(window, covered)).flatMap((gap) => cutIntoJobWindows(gap, MAX_JOB_DAYS));

/** Two windows hold exactly the same days. */
export const sameWindow = (a: ExportWindow, b: ExportWindow): boolean => a.startAt === b.startAt && a.endAt === b.endAt;
