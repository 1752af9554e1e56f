/**
 * The two cases of the tokens benchmark and what each must do for its figures to mean what their
 * names say. Pure: running them is runs.ts.
 */
import type { Route } from '../../local/simulator';
import type { S3RequestTally } from '../ledger/s3-requests';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The deployed token check's timeout and memory (infra/functions.ts). */
export const TOKENS_LAMBDA_TIMEOUT_MS = 300_000;
export const TOKENS_LAMBDA_MEMORY_MB = 512;

/** S3's ListObjectsV2 page (the token store asks for no other size). */
export const LIST_PAGE_SIZE = 1000;

export type TokensCaseName = 'report' | 'refresh';

export interface TokensCase {
  name: TokensCaseName;
  /** Column header. */
  label: string;
  description: string;
  /**
   * The access tokens' lifetime when seeded. An hour over whole days, so the report's whole days
   * left are exactly the days named (40: none due at TOKEN_REFRESH_DAYS 21; 5: every one due).
   */
  accessTokenLifetimeMs: number;
}

/** The baseline first, then the same store with every authorization due. */
export const TOKENS_CASES: readonly TokensCase[] = [
  {
    name: 'report',
    label: '(R) report only',
    description: 'access tokens 40 days from expiry: read and reported, none refreshed',
    accessTokenLifetimeMs: 40 * DAY_MS + HOUR_MS,
  },
  {
    name: 'refresh',
    label: '(F) all due',
    description: 'access tokens 5 days from expiry: every one refreshed, tested and written back with If-Match',
    accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS,
  },
];

/** The handler's result, less the names it lists. */
export interface TokensCounts {
  checked: number;
  refreshed: number;
  refreshFailed: number;
  refreshPostponed: number;
  unusable: number;
}

/** What one case's run was seen to do. */
export interface ObservedTokensRun {
  counts: TokensCounts;
  s3: S3RequestTally;
  /** The simulator's OAuth calls by route. */
  oauthByRoute: Partial<Record<Route, number>>;
  /** OAuth calls answered outside 2xx. */
  oauthRefused: number;
}

/** Differences from what `tokensCase` must do over `authorizations` stored ones; empty when exact. */
export const checkTokensRun = (tokensCase: TokensCase, authorizations: number, observed: ObservedTokensRun): string[] => {
  const due = tokensCase.name === 'refresh' ? authorizations : 0;
  const expected: Array<[string, number, number]> = [
    ['checked', authorizations, observed.counts.checked],
    ['refreshed', due, observed.counts.refreshed],
    ['refresh failed', 0, observed.counts.refreshFailed],
    ['refresh postponed', 0, observed.counts.refreshPostponed],
    ['unusable', 0, observed.counts.unusable],
    ['S3 LIST objects', Math.ceil(authorizations / LIST_PAGE_SIZE), observed.s3.byOperation['LIST objects'] ?? 0],
    ['S3 GET object', authorizations, observed.s3.byOperation['GET object'] ?? 0],
    ['S3 PUT object, conditional', due, observed.s3.byOperation['PUT object, conditional'] ?? 0],
    ['S3 requests', Math.ceil(authorizations / LIST_PAGE_SIZE) + authorizations + due, observed.s3.total],
    ['S3 requests refused', 0, Object.values(observed.s3.refused).reduce((sum, n) => sum + n, 0)],
    ['OAuth accessToken calls', due, observed.oauthByRoute.accessToken ?? 0],
    ['OAuth introspect calls', due, observed.oauthByRoute.introspect ?? 0],
    ['OAuth calls', 2 * due, Object.values(observed.oauthByRoute).reduce((sum, n) => sum + (n ?? 0), 0)],
    ['OAuth calls refused', 0, observed.oauthRefused],
  ];
  return expected
    .filter(([, want, got]) => want !== got)
    .map(([what, want, got]) => `${tokensCase.label}: ${what} ${got}, expected ${want}`);
};
