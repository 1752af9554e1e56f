/**
 * What the hourly token check publishes about every authorization (docs/tokens.md, "Alarms"):
 * the expiry figures (contract/token-metrics.ts), the counts, and the warnings an operator reads.
 * Pure: it sees only {@link AuthorizationSummary}s (names, days, dates, a masked token), so nothing
 * it returns can carry a token.
 */
import { AUTHORIZE_COMMAND, type AuthorizationSummary, DEFAULT_AUTHORIZATION } from './authorization';
import { DIMENSIONED_AUTHORIZATIONS } from '../contract/token-metrics';
import type { HandlerConfig } from '../contract/runtime-config';

/** Warnings about single authorizations per run; the rest are counted in one more line. */
export const MAX_AUTHORIZATION_WARNINGS = 20;

/** Names listed in the one "expiry unknown" warning. */
const MAX_UNKNOWN_NAMES = 20;

export type ReportThresholds = Pick<HandlerConfig, 'TOKEN_ALARM_DAYS' | 'REFRESH_TOKEN_ALARM_DAYS'>;

/** A stored authorization that could not be read (malformed): its name and the store's message, which never quotes the value. */
export interface UnreadableAuthorization {
  readonly name: string;
  readonly message: string;
}

export interface ExpiryFigures {
  /** Absent when no authorization has a known access-token expiry. */
  readonly tokenDaysRemaining?: number;
  /** Absent when no authorization has a refresh token with a known expiry. */
  readonly refreshTokenDaysRemaining?: number;
}

export interface AuthorizationFigures extends ExpiryFigures {
  readonly name: string;
}

/** One log line: a message, and the fields that make it searchable. */
export interface ReportWarning {
  readonly message: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface TokenReport {
  /** The smallest figures over every authorization: published without the Authorization dimension. */
  readonly overall: ExpiryFigures;
  /** The {@link DIMENSIONED_AUTHORIZATIONS} soonest to expire, soonest first: published under {Authorization}. */
  readonly dimensioned: readonly AuthorizationFigures[];
  /** AuthorizationsChecked: every authorization, unreadable ones included. */
  readonly checked: number;
  /** AuthorizationsUnusable: expired, revoked or unreadable. */
  readonly unusable: number;
  /** Authorizations whose access-token expiry is unknown (plain-string tokens). */
  readonly unknownExpiry: number;
  /** Most urgent first; at most {@link MAX_AUTHORIZATION_WARNINGS} about single authorizations, then a count of the rest, then the unknown-expiry line. */
  readonly warnings: readonly ReportWarning[];
}

const commandFor = (name: string): string => `${AUTHORIZE_COMMAND}${name === DEFAULT_AUTHORIZATION ? '' : ` --name ${name}`}`;

const labelOf = (name: string): string =>
  name === DEFAULT_AUTHORIZATION ? 'The default LinkedIn authorization (the token secret)' : `LinkedIn authorization "${name}"`;

const dayOfIso = (iso: string | undefined): string => iso?.slice(0, 10) ?? 'an unknown day';

const days = (count: number): string => `${count} day${count === 1 ? '' : 's'}`;

/** The figure the soonest-to-expire order and the urgency of a warning go by: the smaller of the two. */
const soonestFigure = (summary: AuthorizationSummary): number | undefined => {
  const figures = [summary.tokenDaysRemaining, summary.refreshTokenDaysRemaining].filter((d): d is number => d !== undefined);
  return figures.length === 0 ? undefined : Math.min(...figures);
};

const byFigureThenName = (a: { name: string; figure: number }, b: { name: string; figure: number }): number =>
  a.figure - b.figure || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const minOf = (values: Array<number | undefined>): number | undefined => {
  let min: number | undefined;
  for (const value of values) if (value !== undefined && (min === undefined || value < min)) min = value;
  return min;
};

/** What is wrong with one readable authorization, or nothing. */
const problemsOf = (summary: AuthorizationSummary, thresholds: ReportThresholds): string[] => {
  const problems: string[] = [];
  if (summary.problem === 'revoked') problems.push('LinkedIn said it was revoked');
  else if (summary.problem === 'expired') problems.push(`its access token expired on ${dayOfIso(summary.expiresAt)}`);
  else if (summary.tokenDaysRemaining !== undefined && summary.tokenDaysRemaining < thresholds.TOKEN_ALARM_DAYS) {
    const refreshing = summary.refreshable && (summary.refreshTokenDaysRemaining ?? Number.POSITIVE_INFINITY) > summary.tokenDaysRemaining;
    problems.push(
      `its access token expires in ${days(summary.tokenDaysRemaining)}, on ${dayOfIso(summary.expiresAt)}` +
        // A refreshable token this close to its end means the refresh keeps failing (TOKEN_REFRESH_DAYS > TOKEN_ALARM_DAYS).
        (refreshing ? ' (its refresh has not succeeded: see TokenRefreshFailed)' : ''),
    );
  }
  if (
    summary.problem !== 'revoked' &&
    summary.refreshTokenDaysRemaining !== undefined &&
    summary.refreshTokenDaysRemaining < thresholds.REFRESH_TOKEN_ALARM_DAYS
  ) {
    // Refreshing never extends a refresh token (docs/linkedin-api.md §9): only the member can.
    problems.push(
      `its refresh token ${summary.refreshTokenDaysRemaining < 0 ? 'expired on' : `expires in ${days(summary.refreshTokenDaysRemaining)}, on`} ` +
        `${dayOfIso(summary.refreshTokenExpiresAt)}, after which only the member authorizing again renews it`,
    );
  }
  return problems;
};

const warningFor = (summary: AuthorizationSummary, problems: readonly string[]): ReportWarning => ({
  message: `${labelOf(summary.name)} needs attention: ${problems.join('; ')}. Run ${commandFor(summary.name)} (docs/tokens.md).`,
  attributes: {
    authorization: summary.name,
    ...(summary.problem && { problem: summary.problem }),
    tokenDaysRemaining: summary.tokenDaysRemaining ?? null,
    expiresAt: summary.expiresAt ?? null,
    refreshTokenDaysRemaining: summary.refreshTokenDaysRemaining ?? null,
    refreshTokenExpiresAt: summary.refreshTokenExpiresAt ?? null,
    command: commandFor(summary.name),
  },
});

const unreadableWarning = (unreadable: UnreadableAuthorization): ReportWarning => ({
  message: `${labelOf(unreadable.name)} cannot be read: ${unreadable.message}. Run ${commandFor(unreadable.name)} (docs/tokens.md).`,
  attributes: { authorization: unreadable.name, problem: 'unreadable', command: commandFor(unreadable.name) },
});

/**
 * Decides what one run publishes and logs.
 *
 * @param summaries every readable authorization, as {@link summarizeAuthorization} saw it after this run's refreshes
 * @param unreadable the stored authorizations that did not parse
 */
export const tokenReport = (
  summaries: readonly AuthorizationSummary[],
  unreadable: readonly UnreadableAuthorization[],
  thresholds: ReportThresholds,
): TokenReport => {
  const ranked = summaries
    .flatMap((summary) => {
      const figure = soonestFigure(summary);
      return figure === undefined ? [] : [{ name: summary.name, figure, summary }];
    })
    .sort(byFigureThenName);

  // Unusable ones first (they fail runs now), then the rest by how soon they expire.
  const attention = summaries
    .flatMap((summary) => {
      const problems = problemsOf(summary, thresholds);
      if (problems.length === 0) return [];
      const figure = summary.problem ? Number.NEGATIVE_INFINITY : (soonestFigure(summary) ?? Number.POSITIVE_INFINITY);
      return [{ name: summary.name, figure, warning: warningFor(summary, problems) }];
    })
    .sort(byFigureThenName);
  const singles = [...unreadable.map(unreadableWarning), ...attention.map((entry) => entry.warning)];
  const warnings = singles.slice(0, MAX_AUTHORIZATION_WARNINGS);
  const leftOut = singles.length - warnings.length;
  if (leftOut > 0) {
    warnings.push({
      message:
        `${leftOut} more authorization(s) need attention (the first ${MAX_AUTHORIZATION_WARNINGS} are above): ` +
        `the TokenDaysRemaining and RefreshTokenDaysRemaining metrics name the ${DIMENSIONED_AUTHORIZATIONS} soonest to expire (docs/tokens.md).`,
      attributes: { more: leftOut },
    });
  }

  const unknown = summaries.filter((summary) => summary.tokenDaysRemaining === undefined && summary.problem === undefined);
  if (unknown.length > 0) {
    const names = unknown.slice(0, MAX_UNKNOWN_NAMES).map((summary) => summary.name);
    warnings.push({
      message:
        `${unknown.length} authorization(s) have an access token whose expiry is unknown (a plain token): no warning will come ` +
        `before it expires; authorize to store its expiry: ${names.map(commandFor).join(', ')}${unknown.length > names.length ? ', …' : ''} (docs/tokens.md).`,
      attributes: { expiryUnknown: unknown.length, authorizations: names },
    });
  }

  return {
    overall: {
      ...withDefined('tokenDaysRemaining', minOf(summaries.map((s) => s.tokenDaysRemaining))),
      ...withDefined('refreshTokenDaysRemaining', minOf(summaries.map((s) => s.refreshTokenDaysRemaining))),
    },
    dimensioned: ranked.slice(0, DIMENSIONED_AUTHORIZATIONS).map(({ name, summary }) => ({
      name,
      ...withDefined('tokenDaysRemaining', summary.tokenDaysRemaining),
      ...withDefined('refreshTokenDaysRemaining', summary.refreshTokenDaysRemaining),
    })),
    checked: summaries.length + unreadable.length,
    unusable: summaries.filter((summary) => summary.problem !== undefined).length + unreadable.length,
    unknownExpiry: unknown.length,
    warnings,
  };
};

/** `{ [key]: value }`, or nothing for an undefined value: absent figures stay absent, not 0. */
const withDefined = <K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, number>);
