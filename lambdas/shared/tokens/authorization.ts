/**
 * One LinkedIn authorization: a member of a customer authorized our app (3-legged OAuth,
 * docs/tokens.md), and LinkedIn gave an access token (60 days), perhaps a refresh token (365 days
 * from the first authorization, not extended by refreshing), and the scope. This module is the
 * one definition of what is stored, how a stored value is read (today's plain-string secret
 * stays accepted), and whether a record is usable now. Pure: no I/O, the clock is passed in.
 *
 * A record never goes into a log, a state, a metric or an error: only its name, its expiry dates
 * and {@link maskToken}'s prefix do.
 */
import '../contract/zod-locale';
import * as z from 'zod/mini';
import { AUTHORIZE_COMMAND, DEFAULT_AUTHORIZATION } from '../contract/authorizations';

export { AUTHORIZE_COMMAND, DEFAULT_AUTHORIZATION } from '../contract/authorizations';

/** The one scope the export needs (docs/linkedin-api.md §2). */
export const ANALYTICS_SCOPE = 'r_sales_nav_analytics';

export const DAY_MS = 86_400_000;

/** Names of stored authorizations: they become S3 keys and metric dimension values. */
export const AUTHORIZATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface Authorization {
  /** {@link DEFAULT_AUTHORIZATION} for the token secret, else the `--name` given to authorize. */
  readonly name: string;
  readonly accessToken: string;
  /** Epoch ms; undefined when unknown (a plain-string secret, a pasted token not introspected). */
  readonly expiresAt?: number;
  readonly refreshToken?: string;
  /** Epoch ms. */
  readonly refreshTokenExpiresAt?: number;
  /** Space-separated scopes LinkedIn granted. */
  readonly scope?: string;
  /** Epoch ms: when the member authorized (the refresh token's 365 days count from here). */
  readonly authorizedAt?: number;
  /** Epoch ms: the last successful refresh. */
  readonly refreshedAt?: number;
  /**
   * The contracts this authorization covers (with reporting access), as LinkedIn's contracts
   * finder listed them under its token when it was authorized or last refreshed. Undefined: not
   * looked up (the default authorization then covers every contract).
   */
  readonly contracts?: readonly string[];
  /** Epoch ms: LinkedIn said the token or the refresh token was revoked. */
  readonly revokedAt?: number;
}

/** Epoch ms, an ISO 8601 date-time or a date (00:00 UTC): operators edit these by hand. */
const instant = z.union([
  z.number().check(z.int(), z.nonnegative()),
  z.pipe(
    z.iso.datetime({ offset: true }),
    z.transform((text: string) => Date.parse(text)),
  ),
  z.pipe(
    z.iso.date(),
    z.transform((text: string) => Date.parse(`${text}T00:00:00Z`)),
  ),
]);

const nonEmpty = z.string().check(z.trim(), z.minLength(1));

const storedSchema = z.looseObject({
  name: z.optional(z.string().check(z.regex(AUTHORIZATION_NAME))),
  accessToken: nonEmpty,
  expiresAt: z.optional(instant),
  refreshToken: z.optional(nonEmpty),
  refreshTokenExpiresAt: z.optional(instant),
  scope: z.optional(z.string()),
  authorizedAt: z.optional(instant),
  refreshedAt: z.optional(instant),
  contracts: z.optional(z.array(z.string().check(z.minLength(1)))),
  revokedAt: z.optional(instant),
});

/** A stored value that holds no usable authorization; the message never quotes the value. */
export class StoredAuthorizationError extends Error {
  override readonly name = 'StoredAuthorizationError';
}

/**
 * Reads a stored value: JSON (a value starting with `{`) or today's plain-string token.
 *
 * @param where names the secret or object in messages (never the value)
 * @throws StoredAuthorizationError when the value is empty or malformed
 */
export const parseAuthorization = (value: string | Uint8Array | undefined, name: string, where: string): Authorization => {
  const text = (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : (value ?? '')).trim();
  if (text.length === 0) throw new StoredAuthorizationError(`${where} is empty`);
  if (!text.startsWith('{')) return { name, accessToken: text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StoredAuthorizationError(`${where} starts with "{" but is not valid JSON`);
  }
  const parsed = storedSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(value)'))].join(', ');
    throw new StoredAuthorizationError(`${where} is JSON with unusable field(s): ${fields} (a non-empty string "accessToken" is required)`);
  }
  const { name: _stored, ...record } = parsed.data;
  return {
    name,
    accessToken: record.accessToken,
    ...(record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
    ...(record.refreshToken !== undefined && { refreshToken: record.refreshToken }),
    ...(record.refreshTokenExpiresAt !== undefined && { refreshTokenExpiresAt: record.refreshTokenExpiresAt }),
    ...(record.scope !== undefined && { scope: record.scope }),
    ...(record.authorizedAt !== undefined && { authorizedAt: record.authorizedAt }),
    ...(record.refreshedAt !== undefined && { refreshedAt: record.refreshedAt }),
    ...(record.contracts !== undefined && { contracts: record.contracts }),
    ...(record.revokedAt !== undefined && { revokedAt: record.revokedAt }),
  };
};

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The stored JSON: dates as ISO 8601 so an operator reading the secret can tell them. */
export const serializeAuthorization = (authorization: Authorization): string =>
  JSON.stringify({
    name: authorization.name,
    accessToken: authorization.accessToken,
    expiresAt: iso(authorization.expiresAt),
    refreshToken: authorization.refreshToken,
    refreshTokenExpiresAt: iso(authorization.refreshTokenExpiresAt),
    scope: authorization.scope,
    authorizedAt: iso(authorization.authorizedAt),
    refreshedAt: iso(authorization.refreshedAt),
    contracts: authorization.contracts,
    revokedAt: iso(authorization.revokedAt),
  });

/** Whole days left before `expiresAt` (negative once past), rounded down; undefined when unknown. */
export const daysRemaining = (expiresAt: number | undefined, now: number): number | undefined =>
  expiresAt === undefined ? undefined : Math.floor((expiresAt - now) / DAY_MS);

/** `2026-12-01` */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Why an authorization cannot be used now. */
export type Unusable =
  | { readonly reason: 'missing'; readonly message: string }
  | { readonly reason: 'expired'; readonly message: string; readonly expiredAt: number }
  | { readonly reason: 'revoked'; readonly message: string; readonly revokedAt: number };

const label = (name: string): string =>
  name === DEFAULT_AUTHORIZATION ? 'The LinkedIn authorization' : `LinkedIn authorization "${name}"`;

/** What renews authorization `name`: `run npm run cli -- authorize [--name N] (docs/tokens.md)`. */
export const renewAdvice = (name: string): string =>
  `run ${AUTHORIZE_COMMAND}${name === DEFAULT_AUTHORIZATION ? '' : ` --name ${name}`} (docs/tokens.md)`;

/** Never put: the secret or object has no value. */
export const missingAuthorization = (name: string, where: string): Unusable => ({
  reason: 'missing',
  message: `${label(name)} was never put (${where} has no value): ${renewAdvice(name)}.`,
});

/**
 * Whether the record can call LinkedIn at `now`: undefined when it can (as far as we know: a
 * plain-string token's expiry is unknown), else why not, in a message that names the fixing command.
 */
export const assessAuthorization = (authorization: Authorization, now: number): Unusable | undefined => {
  const { name } = authorization;
  if (authorization.revokedAt !== undefined) {
    return {
      reason: 'revoked',
      revokedAt: authorization.revokedAt,
      message: `${label(name)} was revoked (LinkedIn said so on ${dayOf(authorization.revokedAt)}): ${renewAdvice(name)}.`,
    };
  }
  if (authorization.expiresAt !== undefined && authorization.expiresAt <= now) {
    const refreshable = authorization.refreshToken !== undefined && (authorization.refreshTokenExpiresAt ?? Number.POSITIVE_INFINITY) > now;
    return {
      reason: 'expired',
      expiredAt: authorization.expiresAt,
      message:
        `${label(name)}'s access token expired on ${dayOf(authorization.expiresAt)}: ` +
        (refreshable
          ? `its refresh did not happen in time (see the TokenRefreshFailed alarm); ${renewAdvice(name)}, or rotate the secret.`
          : `${renewAdvice(name)}.`),
    };
  }
  return undefined;
};

/**
 * Whether the access token should be refreshed now: it holds an unexpired refresh token, and the
 * access token has `refreshDays` days or fewer left (or its expiry is unknown).
 */
export const needsRefresh = (authorization: Authorization, now: number, refreshDays: number): boolean => {
  if (authorization.refreshToken === undefined || authorization.revokedAt !== undefined) return false;
  if (authorization.refreshTokenExpiresAt !== undefined && authorization.refreshTokenExpiresAt <= now) return false;
  return authorization.expiresAt === undefined || authorization.expiresAt - now <= refreshDays * DAY_MS;
};

/** What operators may see of a token: its first characters. */
export const maskToken = (token: string): string => `${token.slice(0, Math.min(6, Math.floor(token.length / 4)))}…`;

/** The figures an operator and the metrics see; never the tokens. */
export interface AuthorizationSummary {
  readonly name: string;
  readonly tokenDaysRemaining?: number;
  readonly refreshTokenDaysRemaining?: number;
  readonly expiresAt?: string;
  readonly refreshTokenExpiresAt?: string;
  readonly refreshable: boolean;
  readonly contracts?: number;
  readonly scope?: string;
  readonly token: string;
  /** Undefined when usable. */
  readonly problem?: Unusable['reason'];
}

export const summarizeAuthorization = (authorization: Authorization, now: number): AuthorizationSummary => {
  const problem = assessAuthorization(authorization, now);
  return {
    name: authorization.name,
    tokenDaysRemaining: daysRemaining(authorization.expiresAt, now),
    refreshTokenDaysRemaining:
      authorization.refreshToken === undefined ? undefined : daysRemaining(authorization.refreshTokenExpiresAt, now),
    expiresAt: iso(authorization.expiresAt),
    refreshTokenExpiresAt: iso(authorization.refreshTokenExpiresAt),
    refreshable: authorization.refreshToken !== undefined,
    contracts: authorization.contracts?.length,
    scope: authorization.scope,
    token: maskToken(authorization.accessToken),
    ...(problem && { problem: problem.reason }),
  };
};
