/**
 * LinkedIn's own numbers that the product, its simulator and its configuration must agree on
 * (docs/linkedin-api.md).
 */

/** Production base URL of LinkedIn's REST API. */
export const DEFAULT_LINKEDIN_API_URL = 'https://api.linkedin.com/v2';
/** LinkedIn's OAuth 2.0 endpoints (authorization, accessToken, introspectToken): docs/linkedin-api.md §9. */
export const DEFAULT_LINKEDIN_OAUTH_URL = 'https://www.linkedin.com/oauth/v2';

/** LinkedIn's own hosts: the only places a downloadUrl may point to unless configured. */
export const LINKEDIN_DOWNLOAD_HOSTS = ['www.linkedin.com', 'api.linkedin.com'] as const;

/** LinkedIn accepts at most this many days per export job. */
export const MAX_JOB_DAYS = 90;

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Host names that are this machine: plain http is allowed to them only (local runs). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
