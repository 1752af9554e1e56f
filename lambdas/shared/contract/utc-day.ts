/**
 * Calendar days as users, keys and configuration write them (`YYYY-MM-DD`, UTC), in one place for
 * the runtime configuration, the execution input and the local tools.
 */

/** `YYYY-MM-DD` of the UTC day that contains `ms`. */
export const formatUtcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Parses a calendar day written `YYYY-MM-DD` into its 00:00 UTC epoch ms, or returns
 * `undefined` when the text is not exactly that or names a day that does not exist
 * (`2026-02-30`, `2026-13-01`): `Date` would silently roll those over to another day.
 */
export const parseUtcDay = (text: string): number | undefined => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = new Date(0).setUTCFullYear(year, month - 1, day);
  return formatUtcDay(ms) === text ? ms : undefined;
};
