/**
 * What the user asks for on the command line (types, contracts, a window), as the execution
 * input a console run takes: `npm start` and `npm run cli -- start` build the same input.
 */
import { createHash } from 'node:crypto';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { formatUtcDay } from '../../lambdas/shared/contract/utc-day';

export interface ExportRequest {
  /** undefined: every type the deployment is configured for. */
  exportTypes?: readonly ExportType[];
  /** undefined: every configured contract. */
  contracts?: readonly string[];
  /** `YYYY-MM-DD`, inclusive (00:00 UTC). Both or neither of from/to. */
  from?: string;
  /** `YYYY-MM-DD`, exclusive (00:00 UTC). */
  to?: string;
  /** `--force`: export the days even if the export ledger says they landed (`"force": true`). */
  force?: boolean;
}

/**
 * The console input for a request: `{}` asks for the default (scheduled) window of today. `force`
 * appears only when true, so an unforced request keeps the input (and the execution name derived
 * from it) it had before the flag existed, while a forced one gets a name of its own.
 */
export const buildExecutionInput = (request: ExportRequest): Record<string, unknown> => ({
  ...(request.exportTypes && { exportTypes: [...request.exportTypes] }),
  ...(request.contracts && { contracts: [...request.contracts] }),
  ...(request.from !== undefined && { startAt: request.from }),
  ...(request.to !== undefined && { endAt: request.to }),
  ...(request.force === true && { force: true }),
});

/** `--type` values: one export type, or `all`. */
export const exportTypesFor = (type: string): readonly ExportType[] | undefined => {
  if (type === 'all') return [...EXPORT_TYPES];
  return (EXPORT_TYPES as readonly string[]).includes(type) ? [type as ExportType] : undefined;
};

const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
};

/** The input with key order and list order made irrelevant (lists hold sets here). */
export const normaliseInput = (input: Record<string, unknown>): Record<string, unknown> => {
  const sorted = Object.fromEntries(
    Object.entries(input).map(([key, value]) => [key, Array.isArray(value) ? [...value].map(String).sort() : value]),
  );
  return canonical(sorted) as Record<string, unknown>;
};

/**
 * A deterministic execution name for an input: the same request gives the same name, so
 * Step Functions refuses a duplicate (names are unique per state machine for 90 days). An
 * input without a window asks for "today's" default window, so the UTC day is part of its name.
 * Names allow `A-Za-z0-9-_` (no `:`), at most 80 characters.
 *
 * @param now epoch ms, for inputs without a window
 * @example executionNameFor({ startAt: '2026-01-01', endAt: '2026-04-01' }) // 'export-2026-01-01_2026-04-01-3f2a9c1b7d0e'
 */
export const executionNameFor = (input: Record<string, unknown>, now: number = Date.now()): string => {
  const normalised = normaliseInput(input);
  const hasWindow = typeof normalised.startAt === 'string' && typeof normalised.endAt === 'string';
  const payload = hasWindow ? normalised : { ...normalised, defaultWindowOf: formatUtcDay(now) };
  const hash = createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 12);
  const label = hasWindow
    ? `${String(normalised.startAt)}_${String(normalised.endAt)}`
    : typeof normalised.scheduledTime === 'string'
      ? `scheduled-${normalised.scheduledTime.slice(0, 10)}`
      : `default-${formatUtcDay(now)}`;
  return `export-${label.replace(/[^A-Za-z0-9_-]/g, '-')}-${hash}`.slice(0, 80);
};
