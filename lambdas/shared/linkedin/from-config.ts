/**
 * The LinkedIn client as every handler gets it: base URL and timeout from the runtime
 * configuration, the token from whichever source the caller injects (the deployed secret, or the
 * local runner's token).
 */
import type { HandlerConfig } from '../contract/runtime-config';
import { LinkedInClient, type LinkedInClientOptions } from './client';

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
