/**
 * The deployed Lambdas' dependencies: configuration parsed from the environment the stack set
 * (every variable required), the token from Secrets Manager. Each is built once per container on
 * first use. AWS S3 is in deployed-s3.ts so that only the copy handler bundles the S3 client.
 */
import type { LinkedInDependencies } from '../../handlers/dependencies';
import { parseRuntimeConfig, type RuntimeConfig } from '../contract/runtime-config';
import { createLinkedInClient } from '../linkedin/from-config';
import { secretTokenSource } from '../linkedin/token';

/** `build` on the first call, the same value after. */
export const once = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
};

/** The environment, parsed on first use: a bad or missing variable fails that invocation as ConfigError. */
export const deployedConfig: () => RuntimeConfig = once(() => parseRuntimeConfig(process.env));

/** Configuration, the secret's token, and a LinkedIn client that uses it. */
export const deployedLinkedIn = once((): LinkedInDependencies & { token: () => Promise<string> } => {
  const config = deployedConfig();
  const token = secretTokenSource(config.LINKEDIN_TOKEN_SECRET_ID);
  return { config, token, linkedIn: createLinkedInClient(config, token), now: Date.now };
});
