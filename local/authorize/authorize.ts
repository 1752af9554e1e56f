/**
 * `npm run cli -- authorize`: a member of the customer authorizes the app in their browser
 * (LinkedIn's 3-legged OAuth, docs/linkedin-api.md §9), and the resulting authorization is stored
 * under its name (docs/tokens.md, "Authorizing").
 *
 * The flow: listen on the loopback redirect URL, send the member to LinkedIn's authorization page
 * with a fresh random `state`, take the one redirect that carries that state, exchange its code
 * (single use, 30 minutes) for tokens, learn the contracts the token covers, store. Every failure
 * before the store leaves the stored authorization as it was.
 *
 * The browser is injected: a test plays the member by fetching the URL from the simulator and
 * following its redirect to the listener.
 */
import { randomBytes } from 'node:crypto';
import { ANALYTICS_SCOPE, type Authorization } from '../../lambdas/shared/tokens/authorization';
import type { AuthorizationWriter, LinkedInOAuth, TokenGrant } from '../../lambdas/shared/tokens/ports';
import { UsageError } from '../runner/options';
import { type ContractsFinder, lookUpContracts } from './contracts';
import { AuthorizeError } from './errors';
import { LOOPBACK_HOST, listenForCallback } from './loopback';

export const DEFAULT_CALLBACK_PORT = 8765;
export const CALLBACK_PATH = '/callback';
export const DEFAULT_AUTHORIZE_TIMEOUT_SECONDS = 300;

/** The redirect URL to register with the app for `port`. */
export const defaultRedirectUri = (port: number): string => `http://${LOOPBACK_HOST}:${port}${CALLBACK_PATH}`;

/** Where the listener must be for a redirect URL to reach it. */
export interface RedirectTarget {
  /** `127.0.0.1` or `localhost`, as registered: LinkedIn compares the redirect URL exactly. */
  readonly hostname: string;
  readonly port: number;
  readonly path: string;
}

/**
 * Checks that a redirect URL lands on this machine's loopback listener.
 * @throws UsageError for any other URL
 */
export const redirectTarget = (redirectUri: string): RedirectTarget => {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw new UsageError(`--redirect-uri ${JSON.stringify(redirectUri)} is not a URL`);
  }
  const loopback = url.hostname === LOOPBACK_HOST || url.hostname === 'localhost';
  if (url.protocol !== 'http:' || !loopback || url.port === '' || url.search !== '' || url.hash !== '') {
    throw new UsageError(
      `--redirect-uri must be http://${LOOPBACK_HOST}:PORT/PATH or http://localhost:PORT/PATH (the listener is on this machine's loopback ` +
        `interface; no query), got ${JSON.stringify(redirectUri)}`,
    );
  }
  return { hostname: url.hostname, port: Number(url.port), path: url.pathname };
};

/** The scopes asked for: the analytics scope, then the extra ones, each once, space-separated. */
export const requestedScope = (extra: readonly string[] = []): string =>
  [...new Set([ANALYTICS_SCOPE, ...extra.flatMap((scope) => scope.split(/[\s,]+/)).filter((scope) => scope.length > 0)])].join(' ');

/** 32 random bytes: RFC 6749 §10.10 asks that the state not be guessable. */
export const randomState = (): string => randomBytes(32).toString('base64url');

/**
 * The token must carry the analytics scope (docs/linkedin-api.md §2); LinkedIn not naming a scope
 * is not a refusal.
 * @throws AuthorizeError when LinkedIn granted scopes without it
 */
export const requireAnalyticsScope = (scope: string | undefined, what: string): void => {
  if (scope !== undefined && !scope.split(/\s+/).includes(ANALYTICS_SCOPE)) {
    throw new AuthorizeError(`${what} carries the scope(s) ${scope}, without ${ANALYTICS_SCOPE}: the export cannot use it; nothing stored`);
  }
};

export interface AuthorizeOptions {
  /** The authorization's name (DEFAULT_AUTHORIZATION: the token secret). */
  readonly name: string;
  readonly oauth: LinkedInOAuth;
  readonly store: AuthorizationWriter;
  readonly findContracts: ContractsFinder;
  readonly redirect: RedirectTarget;
  /** Space-separated. */
  readonly scope: string;
  readonly timeoutMs: number;
  /** Opens the URL for the member; best effort, its failures are ignored (the URL is also told). */
  readonly openBrowser: (url: string) => unknown;
  /** Told the authorization URL and the redirect URL once the listener is up. */
  readonly onWaiting: (authorizationUrl: string, redirectUri: string) => void;
  readonly now?: () => number;
  readonly state?: () => string;
}

export interface AuthorizeResult {
  readonly authorization: Authorization;
  readonly warnings: string[];
}

/** Waits for the one callback, then closes the listener whatever happened. */
const awaitCode = async (options: AuthorizeOptions, state: string): Promise<{ code: string; redirectUri: string }> => {
  const { redirect } = options;
  const listener = await listenForCallback({ port: redirect.port, path: redirect.path, state });
  // Port 0 (tests) becomes the port actually bound; LinkedIn needs the exact registered URL anyway.
  const redirectUri = `http://${redirect.hostname}:${listener.port}${redirect.path}`;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AuthorizeError(
            `no answer from LinkedIn's authorization page within ${options.timeoutMs / 1000} s (--timeout-seconds): ` +
              `nothing stored; run the command again and finish in the browser`,
          ),
        ),
      options.timeoutMs,
    );
  });
  try {
    const authorizationUrl = options.oauth.authorizationUrl({ redirectUri, state, scope: options.scope });
    options.onWaiting(authorizationUrl, redirectUri);
    try {
      Promise.resolve(options.openBrowser(authorizationUrl)).catch(() => undefined);
    } catch {
      // A browser that cannot be opened: the member opens the printed URL.
    }
    return { code: await Promise.race([listener.code, timedOut]), redirectUri };
  } finally {
    clearTimeout(timer);
    // A callback that arrives while closing settles a promise nobody awaits any more.
    listener.code.catch(() => undefined);
    await listener.close();
  }
};

/** The record a code grant makes. */
export const authorizationFromGrant = (
  name: string,
  grant: TokenGrant,
  authorizedAt: number,
  contracts: string[] | undefined,
): Authorization => ({
  name,
  accessToken: grant.accessToken,
  expiresAt: grant.expiresAt,
  ...(grant.refreshToken !== undefined && { refreshToken: grant.refreshToken }),
  ...(grant.refreshTokenExpiresAt !== undefined && { refreshTokenExpiresAt: grant.refreshTokenExpiresAt }),
  ...(grant.scope !== undefined && { scope: grant.scope }),
  authorizedAt,
  ...(contracts !== undefined && { contracts }),
});

/**
 * Runs the browser flow and stores the authorization.
 *
 * @throws AuthorizeError (port in use, state mismatch, consent denied, timeout, code refused,
 *   missing scope, token rejected by the API): nothing was stored
 */
export const authorizeInBrowser = async (options: AuthorizeOptions): Promise<AuthorizeResult> => {
  const now = options.now ?? Date.now;
  const { code, redirectUri } = await awaitCode(options, (options.state ?? randomState)());
  let grant: TokenGrant;
  try {
    grant = await options.oauth.exchangeCode({ code, redirectUri });
  } catch (error) {
    // LinkedIn compares the redirect URL with the app's registered ones exactly (docs/linkedin-api.md §9).
    const hint =
      (error as { error?: unknown }).error === 'invalid_redirect_uri'
        ? ` (register ${redirectUri} as a redirect URL of the app, or pass --redirect-uri with one that is)`
        : '';
    throw new AuthorizeError(`could not exchange the authorization code: ${(error as Error).message}${hint}; nothing stored`, {
      cause: error,
    });
  }
  requireAnalyticsScope(grant.scope, "LinkedIn's new token");
  const lookup = await lookUpContracts(options.findContracts, grant.accessToken);
  const authorization = authorizationFromGrant(options.name, grant, now(), lookup.contracts);
  await options.store.write(authorization);
  return { authorization, warnings: lookup.warning ? [lookup.warning] : [] };
};
