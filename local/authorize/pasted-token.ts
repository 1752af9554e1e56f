/**
 * `npm run cli -- authorize --token T`: stores an access token obtained elsewhere (LinkedIn's
 * developer portal token generator, another tool). With the app's credentials, LinkedIn's
 * introspection says whether it is active and until when (docs/linkedin-api.md §9); without
 * them, its expiry stays unknown, and so no expiry warning can come before it stops working.
 */
import type { Authorization } from '../../lambdas/shared/tokens/authorization';
import type { AuthorizationWriter, Introspection, LinkedInOAuth } from '../../lambdas/shared/tokens/ports';
import { UsageError } from '../runner/options';
import { type ContractsFinder, lookUpContracts } from './contracts';
import { requireAnalyticsScope } from './authorize';
import { AuthorizeError } from './errors';

export interface PastedTokenOptions {
  readonly name: string;
  readonly token: string;
  /** Undefined without app credentials: the token is stored as it is, expiry unknown. */
  readonly oauth?: LinkedInOAuth;
  readonly store: AuthorizationWriter;
  readonly findContracts: ContractsFinder;
}

export interface PastedTokenResult {
  readonly authorization: Authorization;
  readonly warnings: string[];
}

/** Said when the expiry cannot be learned: the token-expiry alarm has no figure to watch. */
export const UNKNOWN_EXPIRY_WARNING =
  'expiry unknown: without the app credentials LinkedIn could not be asked when this token expires, so no warning ' +
  '(TokenDaysRemaining, the token-expiry alarm, npm run cli -- tokens) will come before it does. Pass the app ' +
  'credentials to learn it, or authorize in the browser';

/**
 * The token as typed or piped: surrounding whitespace goes, anything else that cannot be in a
 * token is refused (LinkedIn's tokens are one word of base64url-like characters).
 * @throws UsageError without ever quoting the value
 */
export const cleanPastedToken = (raw: string): string => {
  const token = raw.trim();
  if (token.length === 0) throw new UsageError('--token is empty (for --token -, the standard input was empty)');
  if (/\s/.test(token)) throw new UsageError('--token holds whitespace inside: give the access token alone, on one line');
  return token;
};

/** What LinkedIn's introspection reports of a token it will not honour. */
const inactive = (status: string | undefined): string =>
  status === 'expired' || status === 'revoked'
    ? status
    : `not active${status ? ` (${status})` : ''} (unknown to this app, or another app's)`;

/**
 * Learns what can be learned of the token, then stores it.
 *
 * @throws AuthorizeError when LinkedIn says it is expired, revoked, unknown, or lacks the scope
 */
export const storePastedToken = async (options: PastedTokenOptions): Promise<PastedTokenResult> => {
  const { name, token, oauth } = options;
  const warnings: string[] = [];
  let learned: Pick<Authorization, 'expiresAt' | 'scope' | 'authorizedAt'> = {};
  if (oauth) {
    let seen: Introspection;
    try {
      seen = await oauth.introspect(token);
    } catch (error) {
      throw new AuthorizeError(`could not ask LinkedIn about this token: ${(error as Error).message}; nothing stored`, { cause: error });
    }
    if (!seen.active || (seen.status !== undefined && seen.status !== 'active')) {
      throw new AuthorizeError(`LinkedIn says this token is ${inactive(seen.status)}: nothing stored; authorize again to get a new one`);
    }
    requireAnalyticsScope(seen.scope, 'This token');
    learned = {
      ...(seen.expiresAt !== undefined && { expiresAt: seen.expiresAt }),
      ...(seen.scope !== undefined && { scope: seen.scope }),
      ...(seen.authorizedAt !== undefined && { authorizedAt: seen.authorizedAt }),
    };
    if (seen.expiresAt === undefined) warnings.push('LinkedIn did not say when this token expires: no expiry warning will come for it');
  } else {
    warnings.push(UNKNOWN_EXPIRY_WARNING);
  }
  const lookup = await lookUpContracts(options.findContracts, token);
  if (lookup.warning) warnings.push(lookup.warning);
  const authorization: Authorization = {
    name,
    accessToken: token,
    ...learned,
    ...(lookup.contracts !== undefined && { contracts: lookup.contracts }),
  };
  await options.store.write(authorization);
  return { authorization, warnings };
};
