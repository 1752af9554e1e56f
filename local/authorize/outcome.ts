/**
 * What `npm run cli -- authorize` prints once an authorization is stored: its name, masked token,
 * expiry and days left, refresh token, contracts covered, and the warnings. Never a token.
 */
import { type Authorization, summarizeAuthorization } from '../../lambdas/shared/tokens/authorization';

/** Contracts listed by URN before "… and N more": a partner's member may cover thousands. */
export const LISTED_CONTRACTS = 10;

const LABEL = 15;
const field = (label: string, value: string): string => `${label.padEnd(LABEL)}${value}`;

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const left = (days: number | undefined): string => (days === undefined ? '' : ` (${days} day${days === 1 ? '' : 's'} left)`);

/** LinkedIn's rule (docs/linkedin-api.md §9): said after every browser authorization. */
export const SCOPE_CHANGE_NOTE =
  "Note: LinkedIn invalidates the member's earlier tokens for this app when the scope set differs from their last " +
  'authorization (docs/linkedin-api.md §9): another deployment or tool holding such a token must authorize again.';

export interface OutcomeOptions {
  readonly authorization: Authorization;
  /** Where it was stored: `the token secret arn:…`. */
  readonly where: string;
  readonly warnings: readonly string[];
  readonly now: number;
  /** A browser authorization (the scope note applies), or a pasted token. */
  readonly viaBrowser: boolean;
}

export const outcomeText = ({ authorization: a, where, warnings, now, viaBrowser }: OutcomeOptions): string => {
  const summary = summarizeAuthorization(a, now);
  const contracts = a.contracts;
  const lines = [
    `Stored LinkedIn authorization "${a.name}" in ${where}.`,
    field('Token', summary.token),
    field('Expires', a.expiresAt === undefined ? 'unknown (a plain token)' : `${day(a.expiresAt)}${left(summary.tokenDaysRemaining)}`),
    field(
      'Refresh token',
      a.refreshToken === undefined
        ? 'no: authorize again before the access token expires'
        : `yes, expires ${a.refreshTokenExpiresAt === undefined ? 'on an unknown day' : `${day(a.refreshTokenExpiresAt)}${left(summary.refreshTokenDaysRemaining)}`}`,
    ),
    ...(a.scope !== undefined ? [field('Scope', a.scope)] : []),
    ...(a.authorizedAt !== undefined ? [field('Authorized', new Date(a.authorizedAt).toISOString())] : []),
    field(
      'Contracts',
      contracts === undefined
        ? 'not looked up'
        : `${contracts.length} with reporting access${contracts.length > 0 ? `: ${contracts.slice(0, LISTED_CONTRACTS).join(', ')}` : ''}` +
            (contracts.length > LISTED_CONTRACTS ? `, … and ${contracts.length - LISTED_CONTRACTS} more` : ''),
    ),
    ...warnings.map((warning) => `warning: ${warning}`),
    ...(viaBrowser ? [SCOPE_CHANGE_NOTE] : []),
  ];
  return lines.join('\n');
};

/** `authorize --json`: the summary (masked token), where, the contracts and the warnings. */
export const outcomeJson = ({ authorization, where, warnings, now }: OutcomeOptions) => ({
  stored: where,
  authorization: summarizeAuthorization(authorization, now),
  contracts: authorization.contracts ?? null,
  warnings,
});
