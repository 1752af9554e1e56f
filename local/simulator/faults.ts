/**
 * Fault injection: a plain mutable object a test (or the CLI's --faults JSON) sets at any time.
 * Counted faults ("the next N …") are consumed as they fire and removed when spent; the others
 * hold until cleared. Every fault is documented in the README section of the simulator.
 */

/** The routes a fault or a recorded call refers to. */
export const ROUTES = ['contracts', 'createJob', 'getJob', 'download', 'unknown'] as const;
export type Route = (typeof ROUTES)[number];
export type ApiRoute = Exclude<Route, 'download' | 'unknown'>;

/** Fires on the next `count` matching requests; `route` narrows which API calls match. */
export interface CountedFault {
  count: number;
  route?: ApiRoute;
}

export interface FaultSettings {
  // --- API calls (/v2/...) -------------------------------------------------------------------
  /** 429 with LinkedIn's throttle body (serviceErrorCode 101). No side effect. */
  throttle?: CountedFault;
  /** 500/503/504 burst with a LinkedIn-style body. No side effect (the job is not created). */
  serverError?: CountedFault & { status: 500 | 502 | 503 | 504 };
  /** The call takes effect, but its JSON body is cut in half (unparseable). */
  malformedJson?: CountedFault;
  /** The call takes effect, but a required field is missing (job: `status`; create: `value.id`; contracts: `elements`). */
  schemaViolation?: CountedFault;
  /** Explicit `null` for downloadUrl/expireAt/rowCount instead of leaving them out (the third-party envelope). */
  nullFields?: boolean;

  // --- jobs, decided when the job is created ---------------------------------------------------
  /** The next `count` jobs end in `status` (any string, e.g. an unknown FAILED_DUE_TO_SOMETHING_NEW). */
  terminalStatus?: { status: string; count: number };
  /** Windows longer than this many days end FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR. */
  exceededFileSizeOverDays?: number;
  /** Windows whose endAt lies within the last 24 h (or in the future) end FAILED_DUE_TO_DATA_DELAY. */
  dataDelayForRecentWindows?: boolean;
  /** The next `count` jobs spend `extraMs` longer in PROCESSING. */
  slowJobs?: { count: number; extraMs: number };
  /** The next `count` jobs complete with 0 rows (a header-only file). */
  emptyJobs?: { count: number };
  /** The next `count` jobs report rowCount = real rows + `delta` (the file keeps the real rows). */
  rowCountDelta?: { count: number; delta: number };

  // --- download URLs, decided when a URL is minted ----------------------------------------------
  /** The next `count` minted URLs are already expired when handed out (expireAt in the past, 403). */
  expiredUrl?: { count: number };
  /** Minted URLs point at this host (`host` or `host:port`; default port: the simulator's). */
  downloadHost?: string;

  // --- downloads, applied per download request ---------------------------------------------------
  /** The connection is destroyed after `bytes` body bytes. */
  cutAfterBytes?: { count: number; bytes: number };
  /** Content-Length announces real size + `delta` (negative: too small, positive: too big). */
  contentLengthDelta?: { count: number; delta: number };
  /** The body trickles at about `bytesPerSecond`. */
  trickle?: { count: number; bytesPerSecond: number };
  /** The connection is cut after `bytes` and the URL answers 403 from then on (GET the job for a fresh one). */
  expireMidDownload?: { count: number; bytes: number };
  /** 302 to the same file on another host (default `localhost:<port>`). */
  redirect?: { count: number; host?: string };
}

export const FAULT_KEYS = [
  'throttle',
  'serverError',
  'malformedJson',
  'schemaViolation',
  'nullFields',
  'terminalStatus',
  'exceededFileSizeOverDays',
  'dataDelayForRecentWindows',
  'slowJobs',
  'emptyJobs',
  'rowCountDelta',
  'expiredUrl',
  'downloadHost',
  'cutAfterBytes',
  'contentLengthDelta',
  'trickle',
  'expireMidDownload',
  'redirect',
] as const satisfies readonly (keyof FaultSettings)[];

type CountedKey = {
  [K in keyof FaultSettings]-?: NonNullable<FaultSettings[K]> extends { count: number } ? K : never;
}[keyof FaultSettings];

/**
 * Consumes one use of a counted fault when it applies to `route` (API faults may be narrowed
 * to a route); returns the fault's settings, or undefined when it does not fire.
 */
export const takeFault = <K extends CountedKey>(
  faults: FaultSettings,
  key: K,
  route?: Route,
): NonNullable<FaultSettings[K]> | undefined => {
  const fault = faults[key] as (NonNullable<FaultSettings[K]> & { count: number; route?: ApiRoute }) | undefined;
  if (!fault || !(fault.count > 0)) return undefined;
  if (fault.route !== undefined && fault.route !== route) return undefined;
  fault.count -= 1;
  if (fault.count <= 0) delete faults[key];
  return fault;
};

/**
 * Validates a fault object from outside (CLI JSON): unknown keys are a typo, not a no-op.
 * @throws Error naming the unknown key
 */
export const parseFaults = (value: unknown): FaultSettings => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('faults must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!(FAULT_KEYS as readonly string[]).includes(key)) throw new Error(`unknown fault "${key}" (known: ${FAULT_KEYS.join(', ')})`);
  }
  return value as FaultSettings;
};
