/**
 * The token lifecycle's metrics (docs/tokens.md, "Alarms"): the names the tokens and rotation
 * Lambdas publish under and the alarms and dashboard (infra/token-alarms.ts, infra/dashboard.ts)
 * read, so the two cannot drift apart. Namespace and `service` dimension as every handler metric
 * (names.ts METRICS_NAMESPACE, SERVICE_NAME).
 *
 * Each expiry figure is published twice an hour-run: once without the Authorization dimension (the
 * smallest over every authorization: one series whatever their number), and once per
 * authorization under {service, Authorization} for the {@link DIMENSIONED_AUTHORIZATIONS} soonest
 * to expire, which the alarms' Metrics Insights queries group by, so an alarm names them. Bounded
 * so 10,000 authorizations do not cost 20,000 custom metrics.
 */

export const TOKEN_METRICS = {
  /** Whole days before the access token expires (negative: expired). Absent when unknown (plain-string token). */
  tokenDaysRemaining: 'TokenDaysRemaining',
  /** Whole days before the refresh token expires. Absent without a refresh token. */
  refreshTokenDaysRemaining: 'RefreshTokenDaysRemaining',
  /** A refresh that failed (LinkedIn refused it, or the new token failed its test): the current token stays. */
  refreshFailed: 'TokenRefreshFailed',
  /** A refresh that succeeded and was committed. */
  refreshed: 'TokenRefreshed',
  /** Authorizations read by the hourly token check: its heartbeat. */
  authorizationsChecked: 'AuthorizationsChecked',
  /** Authorizations that cannot be used now (expired, revoked, malformed). */
  authorizationsUnusable: 'AuthorizationsUnusable',
} as const;
export type TokenMetric = (typeof TOKEN_METRICS)[keyof typeof TOKEN_METRICS];

/** The dimension naming the authorization (DEFAULT_AUTHORIZATION for the token secret). */
export const AUTHORIZATION_DIMENSION = 'Authorization';

/** Per-authorization series per run: the soonest to expire (a multi-time-series alarm names at most 100 contributors). */
export const DIMENSIONED_AUTHORIZATIONS = 100;
