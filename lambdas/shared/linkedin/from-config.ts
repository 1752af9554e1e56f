/**
 * The LinkedIn client as every Lambda builds it: base URL and timeout from the runtime
 * configuration, the token from token.ts (Secrets Manager, cached; or the local runner's env).
 */
import type { RuntimeConfig } from '../config';
import { LinkedInClient, type LinkedInClientOptions } from './client';
import { getLinkedInToken } from './token';

/**
 * @param config the runtime configuration (LINKEDIN_API_URL, LINKEDIN_TIMEOUT_MS, the token variables)
 * @param overrides e.g. a custom `fetch` in tests
 */
export const createLinkedInClient = (
  config: Pick<RuntimeConfig, 'LINKEDIN_API_URL' | 'LINKEDIN_TIMEOUT_MS' | 'LINKEDIN_TOKEN_SECRET_ID' | 'LINKEDIN_ACCESS_TOKEN'>,
  overrides: Partial<LinkedInClientOptions> = {},
): LinkedInClient =>
  new LinkedInClient({
    baseUrl: config.LINKEDIN_API_URL,
    timeoutMs: config.LINKEDIN_TIMEOUT_MS,
    token: () => getLinkedInToken(config),
    ...overrides,
  });
