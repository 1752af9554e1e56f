/**
 * LinkedIn's OAuth 2.0 endpoints for one app (docs/linkedin-api.md §9), at the simulator's
 * origin as at `https://www.linkedin.com/oauth/v2`: the member's authorization (a redirect with a
 * code, or with LinkedIn's cancel error), the code and refresh exchanges, and token introspection.
 * Errors carry LinkedIn's OAuth body `{error, error_description}`, never a token, code or secret.
 * The tokens themselves live in token-registry.ts.
 */
import { ANALYTICS_SCOPE } from '../../lambdas/shared/tokens/authorization';
import type { OAuthRoute } from './faults';
import { readBody, sendJsonText, writeHead, type Exchange } from './http';
import type { IssuedGrant, TokenRegistry } from './token-registry';

/** The paths under the simulator's origin, as under `https://www.linkedin.com`. */
export const OAUTH_BASE_PATH = '/oauth/v2';
export const OAUTH_PATHS: Readonly<Record<OAuthRoute, string>> = {
  authorize: `${OAUTH_BASE_PATH}/authorization`,
  accessToken: `${OAUTH_BASE_PATH}/accessToken`,
  introspect: `${OAUTH_BASE_PATH}/introspectToken`,
};

export const DEFAULT_CLIENT_ID = 'simulator-client-id';
export const DEFAULT_CLIENT_SECRET = 'simulator-client-secret';
/** LinkedIn's lifetimes (docs/linkedin-api.md §9): 60 days, `expires_in: 5184000`. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_MS = 60 * 86_400_000;
/** 365 days from the member's authorization, not extended by refreshing. */
export const DEFAULT_REFRESH_TOKEN_LIFETIME_MS = 365 * 86_400_000;

/** The member's answer and the app's token policy, read on every request so a test can flip them mid-flow. */
export interface OAuthSettings {
  /** What the member answers on LinkedIn's consent page. */
  consent: 'allow' | 'deny';
  /** Who is signed in to LinkedIn and consents. */
  member: string;
  accessTokenLifetimeMs: number;
  refreshTokenLifetimeMs: number;
  /** Whether the app gets refresh tokens (LinkedIn grants them to approved partners only). */
  refreshTokens: boolean;
}

export interface OAuthContext {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly registry: TokenRegistry;
  readonly isMember: (member: string) => boolean;
  readonly settings: () => OAuthSettings;
  readonly now: () => number;
}

/** LinkedIn's OAuth error: `{error, error_description}` with its status. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

/** LinkedIn's wording for a code or refresh token that cannot be used (docs/linkedin-api.md §9). */
const INVALID_GRANT = 'The provided authorization grant or refresh token is invalid, expired or revoked';

const missing = (name: string): OAuthError => new OAuthError(400, 'invalid_request', `A required parameter "${name}" is missing`);

/** A space-delimited scope parameter as a list (URLSearchParams already turned `+` and `%20` into spaces). */
export const parseScope = (raw: string): string[] => raw.split(' ').filter((scope) => scope !== '');

/** An absolute http(s) URL without a fragment, as LinkedIn requires of a redirect_uri. */
const isRedirectUri = (raw: string): boolean => {
  if (!URL.canParse(raw)) return false;
  const url = new URL(raw);
  return (url.protocol === 'https:' || url.protocol === 'http:') && !raw.includes('#');
};

const seconds = (ms: number): number => Math.floor(ms / 1000);

const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const sendJson = (ex: Exchange, status: number, body: Record<string, unknown>): void =>
  sendJsonText(ex, status, JSON.stringify(body), noStore);

/** Serves one OAuth request; an OAuthError becomes LinkedIn's error body, anything else propagates (a simulator bug: 500). */
export const serveOAuth = async (ctx: OAuthContext, ex: Exchange, route: OAuthRoute): Promise<void> => {
  try {
    if (route === 'authorize') return authorize(ctx, ex);
    const form = await readForm(ex);
    if (route === 'accessToken') return sendJson(ex, 200, exchangeToken(ctx, form));
    return sendJson(ex, 200, introspect(ctx, form));
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    sendJson(ex, error.status, { error: error.error, error_description: error.description });
  }
};

const readForm = async (ex: Exchange): Promise<URLSearchParams> => {
  const type = ex.req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    throw new OAuthError(400, 'invalid_request', 'The request body must be application/x-www-form-urlencoded');
  }
  return new URLSearchParams(await readBody(ex.req));
};

const required = (params: URLSearchParams, name: string): string => {
  const value = params.get(name);
  if (value === null || value.trim() === '') throw missing(name);
  return value;
};

/** The app's credentials: LinkedIn answers 401 invalid_client for a wrong client_id or client_secret. */
const checkClient = (ctx: OAuthContext, form: URLSearchParams): void => {
  const clientId = required(form, 'client_id');
  const clientSecret = required(form, 'client_secret');
  if (clientId !== ctx.clientId || clientSecret !== ctx.clientSecret) {
    throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
  }
};

/**
 * `GET /oauth/v2/authorization`. A bad client_id or redirect_uri is answered here (there is no
 * safe place to redirect to); everything after that goes back to the redirect_uri, with the
 * `state` echoed. ASSUMPTION: LinkedIn shows an HTML error page for the former; the simulator
 * answers its JSON error body so a script can read it.
 */
const authorize = (ctx: OAuthContext, ex: Exchange): void => {
  const query = ex.url.searchParams;
  const clientId = required(query, 'client_id');
  if (clientId !== ctx.clientId) throw new OAuthError(401, 'invalid_client', 'The passed in client_id is invalid');
  const redirectUri = required(query, 'redirect_uri');
  if (!isRedirectUri(redirectUri)) {
    throw new OAuthError(400, 'invalid_redirect_uri', 'The redirect_uri must be an absolute http or https URL without a fragment');
  }
  const back = (params: Record<string, string>): void => {
    const location = new URL(redirectUri);
    for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value);
    const state = query.get('state');
    if (state !== null) location.searchParams.set('state', state);
    writeHead(ex, 302, { Location: location.toString(), 'Content-Length': 0, ...noStore });
    ex.res.end();
  };
  const responseType = query.get('response_type');
  if (responseType !== 'code') {
    back(
      responseType === null
        ? { error: 'invalid_request', error_description: 'A required parameter "response_type" is missing' }
        : { error: 'unsupported_response_type', error_description: 'Only response_type=code is supported' },
    );
    return;
  }
  const scope = parseScope(query.get('scope') ?? '');
  if (scope.length === 0) {
    back({ error: 'invalid_request', error_description: 'A required parameter "scope" is missing' });
    return;
  }
  if (!scope.includes(ANALYTICS_SCOPE)) {
    back({
      error: 'unauthorized_scope_error',
      error_description: `The scope "${scope.join(' ')}" lacks ${ANALYTICS_SCOPE}, the only one this app's product grants`,
    });
    return;
  }
  const settings = ctx.settings();
  if (settings.consent === 'deny') {
    back({ error: 'user_cancelled_authorize', error_description: 'The user cancelled the authorization' });
    return;
  }
  if (!ctx.isMember(settings.member)) throw new Error(`The simulator's oauth.member "${settings.member}" is not among its members`);
  back({ code: ctx.registry.issueCode({ clientId, redirectUri, member: settings.member, scope }, ctx.now()) });
};

/** LinkedIn's accessToken answer; `scope` comma-separated as LinkedIn sends it. */
const tokenBody = (grant: IssuedGrant, now: number): Record<string, unknown> => ({
  access_token: grant.access.token,
  expires_in: seconds(grant.access.expiresAt - now),
  ...(grant.refresh && {
    refresh_token: grant.refresh.token,
    // What is left of the refresh token's life: refreshing never extends it (docs/linkedin-api.md §9).
    refresh_token_expires_in: seconds(grant.refresh.expiresAt - now),
  }),
  scope: grant.access.scope.join(','),
});

/** `POST /oauth/v2/accessToken`: `authorization_code` and `refresh_token` grants. */
const exchangeToken = (ctx: OAuthContext, form: URLSearchParams): Record<string, unknown> => {
  const grantType = required(form, 'grant_type');
  const now = ctx.now();
  const settings = ctx.settings();
  if (grantType === 'authorization_code') {
    const code = required(form, 'code');
    const redirectUri = required(form, 'redirect_uri');
    checkClient(ctx, form);
    const consented = ctx.registry.redeemCode(code, { clientId: ctx.clientId, redirectUri }, now);
    if (consented === 'invalid_grant') throw new OAuthError(400, 'invalid_grant', INVALID_GRANT);
    if (consented === 'invalid_redirect_uri') {
      throw new OAuthError(400, 'invalid_redirect_uri', 'The redirect_uri does not match the one of the authorization request');
    }
    const grant = ctx.registry.grant(
      {
        member: consented.member,
        scope: consented.scope,
        accessTokenLifetimeMs: settings.accessTokenLifetimeMs,
        refreshTokenLifetimeMs: settings.refreshTokenLifetimeMs,
        withRefreshToken: settings.refreshTokens,
      },
      now,
    );
    return tokenBody(grant, now);
  }
  if (grantType === 'refresh_token') {
    const refreshToken = required(form, 'refresh_token');
    checkClient(ctx, form);
    const grant = ctx.registry.refresh(refreshToken, settings.accessTokenLifetimeMs, now);
    if (!grant) throw new OAuthError(400, 'invalid_grant', INVALID_GRANT);
    return tokenBody(grant, now);
  }
  throw new OAuthError(400, 'unsupported_grant_type', 'The grant_type must be authorization_code or refresh_token');
};

/** `POST /oauth/v2/introspectToken`: LinkedIn's fields, times in epoch seconds, scope comma-separated; `{active: false}` for a token it does not know. */
const introspect = (ctx: OAuthContext, form: URLSearchParams): Record<string, unknown> => {
  const token = required(form, 'token');
  checkClient(ctx, form);
  const view = ctx.registry.introspect(token, ctx.now());
  if (!view) return { active: false };
  return {
    active: view.status === 'active',
    client_id: ctx.clientId,
    authorized_at: seconds(view.authorizedAt),
    created_at: seconds(view.createdAt),
    status: view.status,
    ...(view.expiresAt !== undefined && { expires_at: seconds(view.expiresAt) }),
    scope: view.scope.join(','),
    auth_type: '3L',
  };
};
