/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias,
 * infra/bundling.ts). The Lambda runtime always puts the execution role's credentials in the
 * environment, which is the first source the SDK's default chain tries and the only one it ever
 * uses there; the rest of the chain (SSO, ini files, process, web identity, IMDS and the STS/SSO
 * clients behind them, ~110 KiB) is never reached but costs every cold start its import time.
 * The local runner and the tests run unbundled and keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
