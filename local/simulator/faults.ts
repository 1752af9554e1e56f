/**
 * Fault injection: a plain mutable object a test (or the CLI's --faults JSON) sets at any time.
 * Counted faults ("the next N …") are consumed as they fire and removed when spent; the others
 * hold until cleared (a test lifts one by deleting it). Every fault is documented in the README
 * section of the simulator.
 */
import { EXPORT_ACTIONS, EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { checkHeaderChanges, type HeaderChange } from './header-change';

/** LinkedIn's OAuth 2.0 endpoints (oauth.ts): recorded like any call, out of reach of the API faults. */
export const OAUTH_ROUTES = ['authorize', 'accessToken', 'introspect'] as const;
export type OAuthRoute = (typeof OAUTH_ROUTES)[number];

/** The routes a fault or a recorded call refers to. */
export const ROUTES = ['contracts', 'createJob', 'getJob', 'download', ...OAUTH_ROUTES, 'unknown'] as const;
export type Route = (typeof ROUTES)[number];
export type ApiRoute = Exclude<Route, 'download' | 'unknown' | OAuthRoute>;
const API_ROUTES: readonly ApiRoute[] = ['contracts', 'createJob', 'getJob'];

/** Fires on the next `count` matching requests; `route` narrows which API calls match. */
export interface CountedFault {
  count: number;
  route?: ApiRoute;
}

/** Which (contract, export type) pairs a fault applies to; an absent list does not narrow. */
export interface PairScope {
  /** Only these contract URNs. Default: every contract. */
  contracts?: string[];
  /** Only these export types: the product's names (`activity`…) or LinkedIn's actions (`exportActivityData`…). Default: all. */
  exportTypes?: string[];
}

/**
 * The (contract, export type) pairs whose jobs always end in `status`: the lists narrow which
 * pairs qualify (absent: all), then `fraction` keeps that share of them, chosen by hashing
 * (contract, export type, seed) so the hit pairs are known in advance ({@link isFailingPair}).
 */
export interface FailingPairs extends PairScope {
  /** Share of the qualifying pairs that fail, 0..1. Default 1 (all of them). */
  fraction?: number;
  /** Changes which pairs `fraction` picks. Default 0. */
  seed?: number;
  /** The terminal status of every job of a hit pair, e.g. FAILED_DUE_TO_INTERNAL_ERROR. */
  status: string;
}

export interface FaultSettings {
  // --- API calls (/v2/...) -------------------------------------------------------------------
  /**
   * Every API call answers 401 with LinkedIn's body, even with the right token, as for an
   * expired (`true`, `'expired'`) or revoked (`'revoked'`) token. Downloads are not affected.
   */
  unauthorized?: boolean | 'expired' | 'revoked';
  /** Every API call (or those of `route`) is answered `ms` later: LinkedIn's latency. */
  latency?: { ms: number; route?: ApiRoute };
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
  /**
   * Creating a job for these contracts answers 403 with LinkedIn's body, as for a member without
   * the reporting role; the finder still lists them as before.
   */
  forbiddenContracts?: string[];
  /** Jobs of the matching (contract, export type) pairs always end in `status`, re-creations too. */
  failingPairs?: FailingPairs;
  /** The next `count` jobs end in `status` (any string, e.g. an unknown FAILED_DUE_TO_SOMETHING_NEW). */
  terminalStatus?: { status: string; count: number };
  /** Windows longer than this many days end FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR. */
  exceededFileSizeOverDays?: number;
  /** Windows whose endAt lies within the last 24 h (or in the future) end FAILED_DUE_TO_DATA_DELAY. */
  dataDelayForRecentWindows?: boolean;
  /**
   * The next `count` creates (of the pairs in scope, when `contracts`/`exportTypes` narrow it)
   * take effect, the job runs and completes like any other, but the connection is destroyed
   * before any answer: the client cannot tell whether a job exists, nor its id. The call is
   * recorded with status 0.
   */
  dropCreateResponses?: { count: number } & PairScope;
  /** The next `count` jobs spend `extraMs` longer in PROCESSING. */
  slowJobs?: { count: number; extraMs: number };
  /** The next `count` jobs complete with 0 rows (a header-only file). */
  emptyJobs?: { count: number };
  /** The next `count` jobs report rowCount = real rows + `delta` (the file keeps the real rows). */
  rowCountDelta?: { count: number; delta: number };
  /**
   * LinkedIn changed an export's columns: every job of that export type created from now on has
   * the changed header, and its rows the matching fields (header-change.ts): a column appended at
   * the end `{append, value?}`, renamed `{rename, to}`, dropped `{drop}`, or two swapped
   * `{reorder: [a, b]}`. Holds until cleared; a job keeps the header it was created with.
   */
  headerChanges?: Partial<Record<ExportType, HeaderChange>>;

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
  'unauthorized',
  'latency',
  'forbiddenContracts',
  'failingPairs',
  'dropCreateResponses',
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
  'headerChanges',
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
 * Where a (contract, export type) pair falls in [0, 1), for {@link FailingPairs.fraction}: a
 * 32-bit FNV-1a hash of `seed|contract|exportType`, mixed (murmur3's finaliser) and scaled.
 * Pure: the same pair and seed give the same number on every machine.
 */
export const pairHash = (contract: string, exportType: ExportType, seed = 0): number => {
  const text = `${seed}|${contract}|${exportType}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
};

/**
 * Whether the jobs of (contract, exportType) always fail under `fault`: the simulator's own
 * rule, exported so a benchmark knows exactly which pairs will fail.
 * @example
 * const fault = { fraction: 0.01, seed: 7, status: 'FAILED_DUE_TO_INTERNAL_ERROR' };
 * const failing = pairs.filter(({ contract, exportType }) => isFailingPair(fault, contract, exportType));
 */
export const isFailingPair = (fault: FailingPairs, contract: string, exportType: ExportType): boolean => {
  if (!inPairScope(fault, contract, exportType)) return false;
  const fraction = fault.fraction ?? 1;
  return fraction >= 1 || pairHash(contract, exportType, fault.seed ?? 0) < fraction;
};

/** Whether (contract, exportType) is among the pairs `scope` names. */
export const inPairScope = (scope: PairScope, contract: string, exportType: ExportType): boolean =>
  (scope.contracts === undefined || scope.contracts.includes(contract)) &&
  (scope.exportTypes === undefined || scope.exportTypes.includes(exportType) || scope.exportTypes.includes(EXPORT_ACTIONS[exportType]));

/**
 * Consumes one use of `dropCreateResponses` when the created job's pair is in its scope: a create
 * outside the scope leaves the count alone, so "the first N creates of pair P" means what it says.
 */
export const takeDroppedCreate = (faults: FaultSettings, contract: string, exportType: ExportType): boolean => {
  const fault = faults.dropCreateResponses;
  if (!fault || !inPairScope(fault, contract, exportType)) return false;
  return takeFault(faults, 'dropCreateResponses') !== undefined;
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Shape checks of the faults whose mistakes would otherwise pass silently. */
const checkFault = (key: string, value: unknown): void => {
  const fail = (expected: string): never => {
    throw new Error(`fault "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (key) {
    case 'unauthorized':
      if (value !== true && value !== false && value !== 'expired' && value !== 'revoked') fail("true, false, 'expired' or 'revoked'");
      return;
    case 'latency':
      if (!isObject(value) || typeof value.ms !== 'number' || !(value.ms >= 0)) fail('{ms: a non-negative number, route?}');
      if ((value as { route?: unknown }).route !== undefined && !API_ROUTES.includes((value as { route?: unknown }).route as ApiRoute)) {
        fail(`an object whose route is one of ${API_ROUTES.join(', ')}`);
      }
      return;
    case 'forbiddenContracts':
      if (!isStringList(value)) fail('a list of contract URNs');
      return;
    case 'failingPairs': {
      if (!isObject(value) || typeof value.status !== 'string' || value.status === '')
        fail('{status, contracts?, exportTypes?, fraction?, seed?}');
      const pairs = value as Record<string, unknown>;
      checkPairScope(pairs, fail);
      if (pairs.fraction !== undefined && !(typeof pairs.fraction === 'number' && pairs.fraction >= 0 && pairs.fraction <= 1)) {
        fail('an object whose fraction is between 0 and 1');
      }
      if (pairs.seed !== undefined && !Number.isSafeInteger(pairs.seed)) fail('an object whose seed is an integer');
      return;
    }
    case 'dropCreateResponses': {
      // A count that is not a whole number would never run out, or never fire: both silent.
      if (!isObject(value) || !(Number.isSafeInteger(value.count) && (value.count as number) >= 0)) {
        fail('{count: a non-negative integer, contracts?, exportTypes?}');
      }
      checkPairScope(value as Record<string, unknown>, fail);
      return;
    }
    case 'headerChanges':
      checkHeaderChanges(value);
      return;
  }
};

/** The shape of a {@link PairScope}'s lists: URNs, and export types the simulator knows. */
const checkPairScope = (scope: Record<string, unknown>, fail: (expected: string) => never): void => {
  if (scope.contracts !== undefined && !isStringList(scope.contracts)) fail('an object whose contracts is a list of URNs');
  if (scope.exportTypes !== undefined) {
    const known: readonly string[] = [...EXPORT_TYPES, ...Object.values(EXPORT_ACTIONS)];
    if (!isStringList(scope.exportTypes) || !scope.exportTypes.every((type) => known.includes(type))) {
      fail(`an object whose exportTypes are among ${known.join(', ')}`);
    }
  }
};

/**
 * Validates a fault object from outside (CLI JSON): unknown keys are a typo, not a no-op, and
 * the contract-targeted faults are checked for shape.
 * @throws Error naming the unknown key or the malformed fault
 */
export const parseFaults = (value: unknown): FaultSettings => {
  if (!isObject(value)) throw new Error('faults must be a JSON object');
  for (const [key, fault] of Object.entries(value)) {
    if (!(FAULT_KEYS as readonly string[]).includes(key)) throw new Error(`unknown fault "${key}" (known: ${FAULT_KEYS.join(', ')})`);
    checkFault(key, fault);
  }
  return value as FaultSettings;
};
