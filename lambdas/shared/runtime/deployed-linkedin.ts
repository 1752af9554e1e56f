/**
 * The deployed LinkedIn side: the token from the Secrets Manager secret the stack names, and a
 * client that uses it. Kept apart from the configuration so the plan handler, which never calls
 * LinkedIn, does not bundle the Secrets Manager client.
 */
import type { LinkedInDependencies } from '../handlers/dependencies';
import { createLinkedInClient } from '../linkedin/from-config';
import { secretTokenSource } from '../linkedin/token';
import { deployedConfig } from './deployed-config';
import { once } from './once';

export const deployedLinkedIn = once((): LinkedInDependencies & { token: () => Promise<string> } => {
  const config = deployedConfig();
  const token = secretTokenSource(config.LINKEDIN_TOKEN_SECRET_ID);
  return { config, token, linkedIn: createLinkedInClient(config, token), now: Date.now };
});
