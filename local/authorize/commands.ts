/**
 * The `authorize` and `tokens` commands of `npm run cli` (docs/tokens.md): their flags turned into
 * the flow's inputs, and the flow's outcome into the operator's output. local/cli.ts parses the
 * command line and hands over; everything AWS or LinkedIn is injected, so tests run them against
 * the simulator and a local store.
 */
import { DEFAULT_LINKEDIN_API_URL, DEFAULT_LINKEDIN_OAUTH_URL } from '../../lambdas/shared/contract/linkedin-limits';
import { RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import { createLinkedInClient } from '../../lambdas/shared/linkedin/from-config';
import { AUTHORIZATION_NAME, DEFAULT_AUTHORIZATION, maskToken, StoredAuthorizationError } from '../../lambdas/shared/tokens/authorization';
import { createLinkedInOAuth } from '../../lambdas/shared/tokens/oauth-client';
import { UsageError } from '../runner/options';
import { type CredentialSources, resolveAppCredentials } from './app-credentials';
import {
  authorizeInBrowser,
  DEFAULT_AUTHORIZE_TIMEOUT_SECONDS,
  DEFAULT_CALLBACK_PORT,
  defaultRedirectUri,
  type RedirectTarget,
  redirectTarget,
  requestedScope,
} from './authorize';
import type { ContractsFinder } from './contracts';
import type { AuthorizationDestination } from './destinations';
import { LOOPBACK_HOST } from './loopback';
import { outcomeJson, outcomeText } from './outcome';
import { cleanPastedToken, storePastedToken } from './pasted-token';
import { tokensJson, tokensListing, tokensStatusText, tokensText } from './tokens-view';

/** The flags of `authorize` (local/cli.ts declares them for parseArgs). */
export const AUTHORIZE_FLAGS = {
  name: { type: 'string' },
  port: { type: 'string' },
  'redirect-uri': { type: 'string' },
  scope: { type: 'string', multiple: true },
  'no-browser': { type: 'boolean', default: false },
  'timeout-seconds': { type: 'string' },
  token: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'oauth-url': { type: 'string' },
  'linkedin-url': { type: 'string' },
} as const;

export interface AuthorizeFlagValues {
  name?: string;
  port?: string;
  'redirect-uri'?: string;
  scope?: string[];
  'no-browser'?: boolean;
  'timeout-seconds'?: string;
  token?: string;
  'client-id'?: string;
  'client-secret'?: string;
  'oauth-url'?: string;
  'linkedin-url'?: string;
  local?: boolean;
  json?: boolean;
}

/** What the commands need from outside: the stores, AWS, the terminal, the clock. */
export interface TokenCommandContext {
  readonly print: (text: string) => void;
  /** Progress and warnings, kept off stdout so `--json` stays parseable. */
  readonly note: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The deployed stack's stores, or `npm start`'s stand-in for --local. */
  readonly destination: (local: boolean) => Promise<AuthorizationDestination>;
  /** The stack's app-credentials secret (never asked for --local). */
  readonly appCredentialsSecret: CredentialSources['secret'];
  readonly openBrowser: (url: string) => unknown;
  /** The whole standard input, for `--token -`. */
  readonly readStdin: () => Promise<string>;
  readonly now: () => number;
}

const isLoopback = (hostname: string): boolean => hostname === LOOPBACK_HOST || hostname === 'localhost' || hostname === '[::1]';

/**
 * A base URL flag. Plain http only to this machine (the simulator): the OAuth calls carry the
 * client secret and the API calls the token, which must travel over HTTPS (docs/linkedin-api.md §9).
 * @throws UsageError
 */
export const baseUrlFlag = (flag: string, value: string | undefined, fallback: string): string => {
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${flag} ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new UsageError(
      `--${flag} must be https (plain http only for 127.0.0.1 or localhost, such as the simulator), got ${JSON.stringify(value)}`,
    );
  }
  return value.replace(/\/+$/, '');
};

const wholeNumber = (flag: string, value: string | undefined, fallback: number, min: number, max: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  }
  return n;
};

/** The authorization's name: DEFAULT_AUTHORIZATION (the token secret) unless --name says otherwise. */
export const authorizationName = (value: string | undefined): string => {
  const name = value ?? DEFAULT_AUTHORIZATION;
  if (!AUTHORIZATION_NAME.test(name)) {
    throw new UsageError(
      `--name ${JSON.stringify(name)} is not an authorization name (letters, digits, ".", "_", "-"; up to 64; a letter or digit first)`,
    );
  }
  return name;
};

/** Where the listener listens: --redirect-uri (whose port it is), else 127.0.0.1:--port/callback. */
export const redirectFromFlags = (values: AuthorizeFlagValues): RedirectTarget => {
  // 0: any free port, for the simulator only (LinkedIn compares the redirect URL with the registered one).
  const port = values.port === undefined ? undefined : wholeNumber('port', values.port, DEFAULT_CALLBACK_PORT, 0, 65_535);
  if (values['redirect-uri'] === undefined) return redirectTarget(defaultRedirectUri(port ?? DEFAULT_CALLBACK_PORT));
  const target = redirectTarget(values['redirect-uri']);
  if (port !== undefined && port !== target.port) {
    throw new UsageError(`--port ${port} and --redirect-uri's port ${target.port} differ: the listener must be where LinkedIn redirects`);
  }
  return target;
};

/** Flags that only mean something for the browser flow, refused beside --token so nothing is silently ignored. */
const BROWSER_ONLY = ['port', 'redirect-uri', 'scope', 'timeout-seconds'] as const;

const contractsFinder =
  (linkedInUrl: string): ContractsFinder =>
  async (accessToken) =>
    createLinkedInClient(
      { LINKEDIN_API_URL: linkedInUrl, LINKEDIN_TIMEOUT_MS: RUNTIME_DEFAULTS.LINKEDIN_TIMEOUT_MS },
      async () => accessToken,
    ).listContracts();

/**
 * Reads the authorization about to be replaced, and says so. A malformed record is no obstacle:
 * authorizing again is its fix.
 * @throws AuthorizationStoreMissingError when this deployment has no store for `name`
 */
const announceReplacement = async (destination: AuthorizationDestination, name: string, context: TokenCommandContext): Promise<void> => {
  try {
    const current = await destination.store.read(name);
    if (current) {
      const expiry =
        current.expiresAt === undefined
          ? 'expiry unknown'
          : `access token expires ${new Date(current.expiresAt).toISOString().slice(0, 10)}`;
      context.note(`Replaces the stored authorization "${name}" (${maskToken(current.accessToken)}, ${expiry}) once the new one is ready.`);
    }
  } catch (error) {
    if (!(error instanceof StoredAuthorizationError)) throw error;
    context.note(`Replaces the stored authorization "${name}", which cannot be read (${error.message}).`);
  }
};

/** `authorize`: the browser flow, or `--token`. Returns the exit status. */
export const runAuthorize = async (values: AuthorizeFlagValues, context: TokenCommandContext): Promise<number> => {
  const local = values.local === true;
  const name = authorizationName(values.name);
  const pasted = values.token !== undefined;
  if (pasted) {
    const browserFlag = BROWSER_ONLY.find((flag) => values[flag] !== undefined) ?? (values['no-browser'] ? 'no-browser' : undefined);
    if (browserFlag) throw new UsageError(`--${browserFlag} is for the browser authorization, not with --token`);
  }
  if (local && values['linkedin-url'] === undefined) {
    throw new UsageError('--local needs --linkedin-url (and --oauth-url for the browser flow): the simulator prints them');
  }
  const linkedInUrl = baseUrlFlag('linkedin-url', values['linkedin-url'], DEFAULT_LINKEDIN_API_URL);
  const oauthUrl = baseUrlFlag('oauth-url', values['oauth-url'], DEFAULT_LINKEDIN_OAUTH_URL);
  const redirect = pasted ? undefined : redirectFromFlags(values);
  const scope = requestedScope(values.scope);
  const timeoutSeconds = wholeNumber('timeout-seconds', values['timeout-seconds'], DEFAULT_AUTHORIZE_TIMEOUT_SECONDS, 1, 86_400);
  const token = pasted ? cleanPastedToken(values.token === '-' ? await context.readStdin() : (values.token as string)) : undefined;

  const resolved = await resolveAppCredentials({
    flags: { clientId: values['client-id'], clientSecret: values['client-secret'] },
    env: context.env,
    ...(!local && { secret: context.appCredentialsSecret }),
  });
  if (!resolved && !pasted) {
    throw new UsageError(
      'no LinkedIn app credentials: set LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET (or --client-id/--client-secret), ' +
        `${local ? 'as the simulator prints them' : "or put them in the stack's app-credentials secret (docs/tokens.md)"}; or store a token with --token`,
    );
  }
  if (local && resolved && values['oauth-url'] === undefined)
    throw new UsageError('--local with app credentials needs --oauth-url: the simulator prints it');
  const oauth = resolved && createLinkedInOAuth({ oauthUrl, credentials: resolved.credentials, now: context.now });
  const destination = await context.destination(local);
  // Before the member is sent to LinkedIn: a name this deployment cannot hold, or a store the
  // caller may not read, must not cost a consent (and a code) that could not be stored.
  await announceReplacement(destination, name, context);
  const findContracts = contractsFinder(linkedInUrl);
  if (resolved) context.note(`App credentials from ${resolved.from}.`);

  const result =
    token !== undefined
      ? await storePastedToken({ name, token, store: destination.store, findContracts, ...(oauth && { oauth }) })
      : await authorizeInBrowser({
          name,
          oauth: oauth!,
          store: destination.store,
          findContracts,
          redirect: redirect!,
          scope,
          timeoutMs: timeoutSeconds * 1000,
          openBrowser: values['no-browser'] ? () => undefined : context.openBrowser,
          now: context.now,
          onWaiting: (url, redirectUri) =>
            context.note(
              `Open this URL to authorize the app as the customer's Sales Navigator member${values['no-browser'] ? '' : ' (opening it in your browser)'}:\n\n` +
                `  ${url}\n\nWaiting up to ${timeoutSeconds} s for LinkedIn to redirect to ${redirectUri} (it must be a redirect URL registered for the app)…`,
            ),
        });
  const outcome = { ...result, where: destination.where(name), now: context.now(), viaBrowser: token === undefined };
  context.print(values.json ? JSON.stringify(outcomeJson(outcome), null, 2) : outcomeText(outcome));
  return 0;
};

/** `tokens`: every authorization and what needs doing. Exit 1 when one needs attention. */
export const runTokens = async (values: { local?: boolean; json?: boolean }, context: TokenCommandContext): Promise<number> => {
  const destination = await context.destination(values.local === true);
  const listing = tokensListing(await destination.store.list(), context.now(), RUNTIME_DEFAULTS);
  const where = destination.where();
  context.print(values.json ? JSON.stringify(tokensJson(listing, where), null, 2) : tokensText(listing, where));
  return listing.needsAttention ? 1 : 0;
};

/** The deployed authorizations' figures for `status`: its text lines and its `--json` part. */
export const tokenFiguresForStatus = async (
  context: TokenCommandContext,
): Promise<{ text: string; json: ReturnType<typeof tokensJson> }> => {
  const destination = await context.destination(false);
  const listing = tokensListing(await destination.store.list(), context.now(), RUNTIME_DEFAULTS);
  return { text: tokensStatusText(listing), json: tokensJson(listing, destination.where()) };
};
