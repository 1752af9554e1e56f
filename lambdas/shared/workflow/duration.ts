/** Elapsed times as an operator reads them, in error messages and the local runner's progress. */

/** `3 h 05 min`, `4 min 10 s`, `45 s`: elapsed times as an operator reads them. */
export const formatDuration = (seconds: number): string => {
  const total = Math.max(0, Math.round(seconds));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
};
