/**
 * The handlers' configuration for a local run: the literal environment of the synthesized
 * functions (so a local run uses exactly the deployment's policy), with what only the local run
 * knows put over it, parsed by the same contract the deployed Lambdas use.
 */
import { type HandlerConfig, parseHandlerConfig } from '../../lambdas/shared/contract/runtime-config';

export interface LocalSettings {
  bucket: string;
  /** LinkedIn's (or the simulator's) base URL; its origin (scheme, host, port) may serve downloads too. */
  apiUrl: string;
  /** Overrides the deployment's CONTRACTS. */
  contracts?: readonly string[];
  /** Overrides the deployment's KEY_PREFIX. */
  prefix?: string;
}

/**
 * @param templateEnvironment the functions' plain-string environment in the synthesized template
 * @throws NamedError `ConfigError` when a variable is missing or bad (a template from another version)
 */
export const localHandlerConfig = (templateEnvironment: Readonly<Record<string, string>>, local: LocalSettings): HandlerConfig => {
  const config = parseHandlerConfig({
    ...templateEnvironment,
    BUCKET_NAME: local.bucket,
    LINKEDIN_API_URL: local.apiUrl,
    ...(local.contracts && { CONTRACTS: local.contracts.join(',') }),
    ...(local.prefix !== undefined && { KEY_PREFIX: local.prefix }),
  });
  // The simulator (or a LinkedIn stand-in) serves its CSVs from its own origin, port included: the
  // allowlist matches origins (a bare host name means https on port 443), so no other service on
  // this machine becomes reachable through a downloadUrl.
  const apiOrigin = new URL(local.apiUrl).origin;
  const hosts = config.ALLOWED_DOWNLOAD_HOSTS;
  return { ...config, ALLOWED_DOWNLOAD_HOSTS: hosts.includes(apiOrigin) ? hosts : [...hosts, apiOrigin] };
};
