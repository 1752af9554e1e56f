/**
 * Refreshing one authorization, the discipline both refreshers share (docs/tokens.md): the
 * Secrets Manager rotation of the default authorization (rotation.ts) and the scheduled refresh of
 * the named ones (handlers/tokens.ts). A new access token is made, then tested, and only a token
 * that passed becomes current; the caller commits it. A failure leaves the current record alone.
 */
import { ANALYTICS_SCOPE, type Authorization } from './authorization';
import type { LinkedInOAuth, TokenGrant } from './ports';

/** A refresh that did not give a usable token; `message` never carries a token. */
export class TokenRefreshError extends Error {
  override readonly name = 'TokenRefreshError';
  /**
   * @param revoked LinkedIn refused the refresh token itself (`invalid_grant`, revoked or expired):
   *   retrying cannot help, the member must authorize again
   */
  constructor(
    message: string,
    readonly revoked: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The record after a grant: new access token; the refresh token LinkedIn sent, else the old one with its own expiry. */
export const applyGrant = (current: Authorization, grant: TokenGrant, now: number): Authorization => ({
  ...current,
  accessToken: grant.accessToken,
  expiresAt: grant.expiresAt,
  refreshToken: grant.refreshToken ?? current.refreshToken,
  // Refreshing does not extend the refresh token (docs/linkedin-api.md §9): keep the first expiry
  // unless LinkedIn says otherwise.
  refreshTokenExpiresAt:
    grant.refreshToken !== undefined ? (grant.refreshTokenExpiresAt ?? current.refreshTokenExpiresAt) : current.refreshTokenExpiresAt,
  scope: grant.scope ?? current.scope,
  refreshedAt: now,
});

const hasScope = (scope: string | undefined, wanted: string): boolean => scope === undefined || scope.split(/[\s,]+/).includes(wanted);

/**
 * Asks LinkedIn whether `candidate`'s access token is active and carries the analytics scope.
 *
 * @throws TokenRefreshError when it is not
 */
export const testAccessToken = async (oauth: LinkedInOAuth, candidate: Authorization): Promise<void> => {
  const seen = await oauth.introspect(candidate.accessToken);
  if (!seen.active || (seen.status !== undefined && seen.status !== 'active')) {
    throw new TokenRefreshError(`LinkedIn says the new access token of "${candidate.name}" is ${seen.status ?? 'not active'}`, false);
  }
  if (!hasScope(seen.scope, ANALYTICS_SCOPE)) {
    throw new TokenRefreshError(
      `The new access token of "${candidate.name}" lacks the ${ANALYTICS_SCOPE} scope (it has: ${seen.scope})`,
      false,
    );
  }
};

/**
 * Whether an OAuth error means the refresh token itself is gone: `invalid_grant`, or LinkedIn's
 * documented refusal, `invalid_request` saying the token is "invalid, expired or revoked"
 * (docs/linkedin-api.md §9). Any other `invalid_request` is a malformed request (ours to fix), not
 * the member's doing, and must not mark the authorization revoked.
 */
const refreshTokenRefused = (error: unknown): boolean => {
  const code = (error as { error?: unknown }).error;
  if (code === 'invalid_grant') return true;
  return code === 'invalid_request' && /expired|revoked/i.test(error instanceof Error ? error.message : '');
};

/**
 * Makes and tests a new access token for `current`; returns the record to commit.
 *
 * @throws TokenRefreshError (`revoked` when LinkedIn refused the refresh token)
 */
export const refreshAuthorization = async (oauth: LinkedInOAuth, current: Authorization, now: number): Promise<Authorization> => {
  if (current.refreshToken === undefined) throw new TokenRefreshError(`"${current.name}" has no refresh token`, false);
  let grant: TokenGrant;
  try {
    grant = await oauth.refresh(current.refreshToken);
  } catch (error) {
    const revoked = refreshTokenRefused(error);
    throw new TokenRefreshError(
      `LinkedIn refused to refresh "${current.name}": ${(error as Error).message}${revoked ? ' (the member must authorize again)' : ''}`,
      revoked,
      { cause: error },
    );
  }
  const candidate = applyGrant(current, grant, now);
  await testAccessToken(oauth, candidate);
  return candidate;
};
