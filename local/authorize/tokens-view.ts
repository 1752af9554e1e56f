/**
 * `npm run cli -- tokens`: every stored LinkedIn authorization (the default one first), how long
 * its tokens have left, the contracts it covers, and what needs doing: the same judgement as the
 * hourly token check's warnings and alarms (lambdas/shared/tokens/token-report.ts, docs/tokens.md),
 * so the terminal and the alarm never disagree. Only masked tokens are ever shown.
 */
import {
  AUTHORIZE_COMMAND,
  type Authorization,
  type AuthorizationSummary,
  summarizeAuthorization,
} from '../../lambdas/shared/tokens/authorization';
import { DEFAULT_AUTHORIZATION } from '../../lambdas/shared/tokens/authorization';
import { type ReportThresholds, tokenReport } from '../../lambdas/shared/tokens/token-report';
import { table } from '../runner/render';

export interface TokensListing {
  readonly summaries: readonly AuthorizationSummary[];
  /** The token check's warnings: unusable and soon-to-expire authorizations first, then the unknown-expiry note. */
  readonly warnings: readonly string[];
  /** Some authorization is unusable, or one of its tokens is below its alarm threshold: the exit status is 1. */
  readonly needsAttention: boolean;
  readonly thresholds: ReportThresholds;
}

/** The default first (the stores list it first already; a merged list may not), then by name. */
const defaultFirst = (a: AuthorizationSummary, b: AuthorizationSummary): number =>
  Number(b.name === DEFAULT_AUTHORIZATION) - Number(a.name === DEFAULT_AUTHORIZATION) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export const tokensListing = (authorizations: readonly Authorization[], now: number, thresholds: ReportThresholds): TokensListing => {
  const summaries = authorizations.map((authorization) => summarizeAuthorization(authorization, now)).sort(defaultFirst);
  const report = tokenReport(summaries, [], thresholds);
  // The report's one warning that is not about a problem: the note on plain tokens' unknown expiry.
  const notes = report.unknownExpiry > 0 ? 1 : 0;
  return {
    summaries,
    warnings: report.warnings.map((warning) => warning.message),
    needsAttention: summaries.length === 0 || report.unusable > 0 || report.warnings.length > notes,
    thresholds,
  };
};

const daysLeft = (days: number, iso: string | undefined): string =>
  days < 0 ? `expired ${iso?.slice(0, 10) ?? ''}`.trim() : `${days} day${days === 1 ? '' : 's'} left (${iso?.slice(0, 10)})`;

const accessTokenCell = (summary: AuthorizationSummary): string =>
  summary.tokenDaysRemaining === undefined ? 'unknown: plain token' : daysLeft(summary.tokenDaysRemaining, summary.expiresAt);

const refreshTokenCell = (summary: AuthorizationSummary): string => {
  if (!summary.refreshable) return 'none';
  return summary.refreshTokenDaysRemaining === undefined
    ? 'yes, expiry unknown'
    : daysLeft(summary.refreshTokenDaysRemaining, summary.refreshTokenExpiresAt);
};

/** Undefined contracts: never looked up, which for the default authorization means every contract (authorization.ts). */
const contractsCell = (summary: AuthorizationSummary): string => {
  if (summary.contracts !== undefined) return String(summary.contracts);
  return summary.name === DEFAULT_AUTHORIZATION ? 'all (not looked up)' : 'none (not looked up)';
};

/** The table, then what needs doing. */
export const tokensText = (listing: TokensListing, where: string): string => {
  if (listing.summaries.length === 0) {
    return `No LinkedIn authorization is stored in ${where}: run ${AUTHORIZE_COMMAND} (docs/tokens.md).`;
  }
  const lines = [
    table(
      ['NAME', 'TOKEN', 'ACCESS TOKEN', 'REFRESH TOKEN', 'CONTRACTS', 'PROBLEM'],
      listing.summaries.map((summary) => [
        summary.name,
        summary.token,
        accessTokenCell(summary),
        refreshTokenCell(summary),
        contractsCell(summary),
        summary.problem ?? '-',
      ]),
    ),
  ];
  if (listing.warnings.length > 0) lines.push('', ...listing.warnings);
  const count = `${listing.summaries.length} authorization(s) in ${where}`;
  lines.push(
    '',
    listing.needsAttention
      ? `${count}: some need attention (unusable, an access token below ${listing.thresholds.TOKEN_ALARM_DAYS} days or a refresh token below ${listing.thresholds.REFRESH_TOKEN_ALARM_DAYS} days, as the alarms count).`
      : `${count}: every one usable, none below the alarms' ${listing.thresholds.TOKEN_ALARM_DAYS} days (access token) or ${listing.thresholds.REFRESH_TOKEN_ALARM_DAYS} days (refresh token).`,
  );
  return lines.join('\n');
};

/** `tokens --json`: the summaries (masked tokens only), the warnings, and the verdict. */
export const tokensJson = (listing: TokensListing, where: string) => ({
  where,
  authorizations: listing.summaries,
  warnings: listing.warnings,
  needsAttention: listing.needsAttention,
  thresholds: listing.thresholds,
});

/**
 * `status`'s token lines: the authorization soonest to expire and what needs doing, so a look at
 * one execution also shows the deadline that would stop the next ones (docs/tokens.md).
 */
export const tokensStatusText = (listing: TokensListing): string => {
  if (listing.summaries.length === 0) return `LinkedIn tokens: none stored; run ${AUTHORIZE_COMMAND} (docs/tokens.md)`;
  const known = listing.summaries.filter((summary) => summary.tokenDaysRemaining !== undefined);
  const soonest = [...known].sort((a, b) => (a.tokenDaysRemaining ?? 0) - (b.tokenDaysRemaining ?? 0))[0];
  const figure = soonest
    ? `soonest ${soonest.name}: access token ${accessTokenCell(soonest)}, refresh token ${refreshTokenCell(soonest)}`
    : 'expiry unknown (plain tokens)';
  const lines = [
    `LinkedIn tokens: ${listing.summaries.length} authorization(s); ${figure}`,
    ...listing.warnings.map((warning) => `  ${warning}`),
  ];
  return lines.join('\n');
};
