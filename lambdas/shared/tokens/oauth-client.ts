/**
 * LinkedIn's OAuth 2.0 endpoints (docs/linkedin-api.md §9): the authorization URL a member opens,
 * the accessToken endpoint (authorization code and refresh token grants) and introspectToken.
 * Used by `npm run cli -- authorize` and by both refreshers (docs/tokens.md); the simulator
 * (local/simulator) answers the same HTTP contract.
 *
 * Every request that carries the client secret, a code or a token is a form-encoded POST: nothing
 * secret ever goes into a URL, where proxies and access logs keep it. An error never carries the
 * secret, the code or a token, even when LinkedIn (or a gateway in front of it) echoes one back.
 */
import '../contract/zod-locale';
import * as z from 'zod/mini';
import { redactToken } from '../linkedin/redact';
import type { AppCredentials, Introspection, LinkedInOAuth, TokenGrant } from './ports';

/**
 * One OAuth call's budget. The same 30 s as a LinkedIn API call (LINKEDIN_TIMEOUT_MS's default):
 * the token endpoints are as fast, and an operator waiting on `authorize` should not wait longer.
 */
export const DEFAULT_OAUTH_TIMEOUT_MS = 30_000;

/** The endpoints that answer errors (the authorization page answers by redirecting instead). */
export type OAuthEndpoint = 'accessToken' | 'introspectToken';

/**
 * The longest error description kept: LinkedIn's own are one sentence ("The provided authorization
 * grant or refresh token is invalid, expired or revoked"); anything longer is a gateway's page.
 */
export const MAX_DESCRIPTION_LENGTH = 200;

/** LinkedIn's error codes are RFC 6749 §5.2 identifiers; anything else is not taken as a code (it could be an echo). */
const ERROR_CODE = /^[a-z][a-z0-9_.-]{0,63}$/i;

/**
 * A call to LinkedIn's OAuth endpoints that did not give what was asked. Its message and fields
 * never carry the client secret, an authorization code or a token.
 */
export class OAuthError extends Error {
  override readonly name = 'LinkedInOAuthError';

  /**
   * @param endpoint the endpoint called
   * @param status LinkedIn's HTTP status; 0 when no answer came (network error, timeout)
   * @param error LinkedIn's error code (`invalid_grant`, `invalid_client`…); `timeout`,
   *   `unreachable` or `invalid_response` when LinkedIn gave none
   * @param detail LinkedIn's `error_description`, already redacted and capped
   */
  constructor(
    readonly endpoint: OAuthEndpoint,
    readonly status: number,
    readonly error: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`LinkedIn OAuth ${endpoint} answered ${status} ${error}${detail ? `: ${detail}` : ''}`, options);
  }
}

/** The accessToken endpoint's answer to either grant (docs/linkedin-api.md §9). */
const grantSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.number().check(z.positive()),
  refresh_token: z.optional(z.string().check(z.minLength(1))),
  refresh_token_expires_in: z.optional(z.number().check(z.positive())),
  scope: z.optional(z.string()),
});

/** The introspectToken endpoint's answer; an unknown token (or another app's) is `{active: false}` alone. */
const introspectionSchema = z.object({
  active: z.boolean(),
  status: z.optional(z.string()),
  scope: z.optional(z.string()),
  expires_at: z.optional(z.number().check(z.nonnegative())),
  authorized_at: z.optional(z.number().check(z.nonnegative())),
});

/** An OAuth error body: RFC 6749's `error`, or the API's `message` shape from a gateway. */
const errorBodySchema = z.object({
  error: z.optional(z.unknown()),
  error_description: z.optional(z.unknown()),
  message: z.optional(z.unknown()),
});

/** LinkedIn sends scopes comma-separated; the record keeps them space-separated, as OAuth writes them. */
export const normalizeScope = (scope: string | undefined): string | undefined => {
  if (scope === undefined) return undefined;
  const scopes = scope.split(/[\s,]+/).filter((part) => part.length > 0);
  return scopes.length > 0 ? scopes.join(' ') : undefined;
};

const SECOND_MS = 1_000;

/** One line, every secret redacted, capped at {@link MAX_DESCRIPTION_LENGTH}. */
export const sanitizeDescription = (text: string, secrets: readonly string[]): string => {
  let clean = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) clean = redactToken(clean, secret);
  return clean.length > MAX_DESCRIPTION_LENGTH ? `${clean.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…` : clean;
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The fields a schema refused, by path only: their values may be tokens. */
const refusedFields = (error: z.core.$ZodError): string =>
  [...new Set(error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');

export interface LinkedInOAuthOptions {
  /** Base of the endpoints: DEFAULT_LINKEDIN_OAUTH_URL (contract/linkedin-limits.ts), or the simulator's `oauthUrl`. */
  oauthUrl: string;
  credentials: AppCredentials;
  fetch?: typeof fetch;
  /** @default {@link DEFAULT_OAUTH_TIMEOUT_MS} */
  timeoutMs?: number;
  /** Epoch ms; turns `expires_in` into an instant. */
  now?: () => number;
}

/** The LinkedIn OAuth port (ports.ts) over HTTP. */
export const createLinkedInOAuth = (options: LinkedInOAuthOptions): LinkedInOAuth => {
  const base = options.oauthUrl.replace(/\/+$/, '');
  const { clientId, clientSecret } = options.credentials;
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS;
  const now = options.now ?? Date.now;

  /**
   * POSTs `form` (with the app's credentials) and returns the JSON answer of a 2xx.
   * @param secrets what this call sends besides the client secret (the code, a token): redacted from errors
   */
  const post = async (endpoint: OAuthEndpoint, form: Record<string, string>, secrets: readonly string[]): Promise<unknown> => {
    const hidden = [clientSecret, ...secrets];
    const body = new URLSearchParams({ ...form, client_id: clientId, client_secret: clientSecret });
    let response: Response;
    let text: string;
    try {
      response = await send(`${base}/${endpoint}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: body.toString(),
        // The whole exchange, body included: a server that stalls mid-body is as stuck as a silent one.
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      const detail = timedOut
        ? `no answer within ${timeoutMs} ms`
        : sanitizeDescription(`could not reach ${base}: ${describeNetworkError(error)}`, hidden);
      // No `cause`: a fetch error's cause may quote the request, and the request carries the secret.
      throw new OAuthError(endpoint, 0, timedOut ? 'timeout' : 'unreachable', detail);
    }
    const json = parseJson(text);
    if (!response.ok) throw errorFrom(endpoint, response.status, json, text, hidden);
    if (json === undefined) throw new OAuthError(endpoint, response.status, 'invalid_response', 'the body is not JSON');
    return json;
  };

  const grantFrom = (json: unknown): TokenGrant => {
    const parsed = grantSchema.safeParse(json);
    if (!parsed.success) {
      throw new OAuthError('accessToken', 200, 'invalid_response', `unusable field(s): ${refusedFields(parsed.error)}`);
    }
    const grant = parsed.data;
    const at = now();
    const scope = normalizeScope(grant.scope);
    return {
      accessToken: grant.access_token,
      expiresAt: at + grant.expires_in * SECOND_MS,
      ...(grant.refresh_token !== undefined && { refreshToken: grant.refresh_token }),
      // A lifetime without the token it belongs to says nothing usable.
      ...(grant.refresh_token !== undefined &&
        grant.refresh_token_expires_in !== undefined && { refreshTokenExpiresAt: at + grant.refresh_token_expires_in * SECOND_MS }),
      ...(scope !== undefined && { scope }),
    };
  };

  return {
    authorizationUrl: ({ redirectUri, state, scope }) => {
      // encodeURIComponent, not URLSearchParams: LinkedIn's documentation writes the space between
      // scopes as %20, and `+` is only a space to form decoders.
      const query = Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state, scope })
        .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
        .join('&');
      return `${base}/authorization?${query}`;
    },

    exchangeCode: async ({ code, redirectUri }) =>
      grantFrom(await post('accessToken', { grant_type: 'authorization_code', code, redirect_uri: redirectUri }, [code])),

    refresh: async (refreshToken) =>
      grantFrom(await post('accessToken', { grant_type: 'refresh_token', refresh_token: refreshToken }, [refreshToken])),

    introspect: async (token) => {
      const parsed = introspectionSchema.safeParse(await post('introspectToken', { token }, [token]));
      if (!parsed.success) {
        throw new OAuthError('introspectToken', 200, 'invalid_response', `unusable field(s): ${refusedFields(parsed.error)}`);
      }
      const seen = parsed.data;
      const scope = normalizeScope(seen.scope);
      return {
        active: seen.active,
        ...(seen.status !== undefined && { status: seen.status }),
        ...(seen.expires_at !== undefined && { expiresAt: seen.expires_at * SECOND_MS }),
        ...(seen.authorized_at !== undefined && { authorizedAt: seen.authorized_at * SECOND_MS }),
        ...(scope !== undefined && { scope }),
      } satisfies Introspection;
    },
  };
};

/** undici's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND…). */
const describeNetworkError = (error: unknown): string => {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return (error as Error).message ?? String(error);
};

/** The OAuthError of a non-2xx answer. */
const errorFrom = (endpoint: OAuthEndpoint, status: number, json: unknown, text: string, secrets: readonly string[]): OAuthError => {
  const body = errorBodySchema.safeParse(json);
  const fields = body.success ? body.data : {};
  const code = typeof fields.error === 'string' && ERROR_CODE.test(fields.error) ? fields.error : undefined;
  const described =
    typeof fields.error_description === 'string'
      ? fields.error_description
      : typeof fields.message === 'string'
        ? fields.message
        : json === undefined
          ? text
          : '';
  return new OAuthError(endpoint, status, code ?? `http_${status}`, sanitizeDescription(described, secrets));
};
