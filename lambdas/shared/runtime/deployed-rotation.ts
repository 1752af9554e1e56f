/**
 * The deployed rotation function's dependencies: the token secret in Secrets Manager, and LinkedIn's
 * OAuth endpoints with the app credentials read from their own secret when a step needs them
 * (docs/tokens.md, "Rotation"). One Secrets Manager client serves both secrets.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RotateTokenDependencies } from '../handlers/rotate-token';
import { readAppCredentials } from '../tokens/app-credentials';
import { createLinkedInOAuth } from '../tokens/oauth-client';
import { secretsManagerSecret } from '../tokens/versioned-secret';
import { deployedConfig } from './deployed-config';
import { once } from './once';

export const deployedRotation = once((): RotateTokenDependencies => {
  const config = deployedConfig();
  const client = new SecretsManagerClient({});
  return {
    config,
    secret: secretsManagerSecret({ client, secretId: config.LINKEDIN_TOKEN_SECRET_ID }),
    // Read on every use, not cached: an operator who replaces the client secret is heard at once.
    oauth: async () =>
      createLinkedInOAuth({
        oauthUrl: config.LINKEDIN_OAUTH_URL,
        credentials: await readAppCredentials({ client, secretId: config.LINKEDIN_APP_SECRET_ID }),
        timeoutMs: config.LINKEDIN_TIMEOUT_MS,
      }),
    now: Date.now,
  };
});
