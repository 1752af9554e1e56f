/**
 * The LinkedIn client as every handler gets it: base URL and timeout from the runtime
 * configuration, the token from whichever source the caller injects (the deployed secret, or the
 * local runner's token).
 */
import type { HandlerConfig } from '../contract/runtime-config';
import type { AuthorizationReader } from '../tokens/ports';
import { LinkedInClient, type LinkedInClientOptions } from './client';
import { type AuthorizationPlace, checkedTokenSource } from './token';

/**
 * @param config LINKEDIN_API_URL and LINKEDIN_TIMEOUT_MS
 * @param token resolves the access token for each call
 * @param overrides e.g. a custom `fetch` in tests
 */
export const createLinkedInClient = (
  config: Pick<HandlerConfig, 'LINKEDIN_API_URL' | 'LINKEDIN_TIMEOUT_MS'>,
  token: () => Promise<string>,
  overrides: Partial<LinkedInClientOptions> = {},
): LinkedInClient =>
  new LinkedInClient({
    baseUrl: config.LINKEDIN_API_URL,
    timeoutMs: config.LINKEDIN_TIMEOUT_MS,
    token,
    ...overrides,
  });

/** LinkedIn per authorization: its checked token, and a client using it, each made once per name. */
export interface LinkedInPerAuthorization {
  readonly linkedIn: (authorization: string) => LinkedInClient;
  /** The authorization's checked access token (for the download's `Authorization` header). */
  readonly token: (authorization: string) => Promise<string>;
}

/**
 * The deployed entries and the local runner alike: a pair names its authorization, and every
 * call under it reads the token through `checkedTokenSource` (token.ts), so an unusable one fails
 * before any request.
 *
 * @param place where an authorization of this name is kept, for the "never put" message
 */
export const linkedInPerAuthorization = (
  config: Pick<HandlerConfig, 'LINKEDIN_API_URL' | 'LINKEDIN_TIMEOUT_MS'>,
  authorizations: AuthorizationReader,
  now: () => number,
  place: AuthorizationPlace,
): LinkedInPerAuthorization => {
  const sources = new Map<string, () => Promise<string>>();
  const clients = new Map<string, LinkedInClient>();
  const source = (authorization: string) => {
    let found = sources.get(authorization);
    if (!found) {
      found = checkedTokenSource(authorizations, authorization, now, place);
      sources.set(authorization, found);
    }
    return found;
  };
  return {
    token: (authorization) => source(authorization)(),
    linkedIn: (authorization) => {
      let client = clients.get(authorization);
      if (!client) {
        client = createLinkedInClient(config, source(authorization), { authorization });
        clients.set(authorization, client);
      }
      return client;
    },
  };
};
