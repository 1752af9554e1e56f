/**
 * Deployed entry of the hourly token check (logic: handlers/tokens.ts; docs/tokens.md): the default
 * authorization from the token secret, the named ones from the token store bucket, and LinkedIn's
 * OAuth endpoints with the app credentials. One Secrets Manager client serves both secrets.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createTokensHandler, type TokensDependencies } from './shared/handlers/tokens';
import { deployedConfig } from './shared/runtime/deployed-config';
import { deployedS3 } from './shared/runtime/deployed-s3';
import { once } from './shared/runtime/once';
import { readAppCredentials } from './shared/tokens/app-credentials';
import { createLinkedInOAuth } from './shared/tokens/oauth-client';
import { s3AuthorizationStore } from './shared/tokens/s3-store';
import { secretAuthorizationStore } from './shared/tokens/secret-store';

const deployedTokens = once((): TokensDependencies => {
  const config = deployedConfig();
  const secrets = new SecretsManagerClient({});
  return {
    config,
    defaultAuthorization: secretAuthorizationStore({ client: secrets, secretId: config.LINKEDIN_TOKEN_SECRET_ID }),
    named: s3AuthorizationStore({ s3: deployedS3(), bucket: config.TOKEN_STORE_BUCKET }),
    // Read on every run, not cached: an operator who replaces the client secret is heard at once.
    // Named authorizations exist only through `authorize`, which needed these credentials: a
    // secret that cannot be read now is a failure (counted as TokenRefreshFailed), never "none".
    oauth: async () =>
      createLinkedInOAuth({
        oauthUrl: config.LINKEDIN_OAUTH_URL,
        credentials: await readAppCredentials({ client: secrets, secretId: config.LINKEDIN_APP_SECRET_ID }),
        timeoutMs: config.LINKEDIN_TIMEOUT_MS,
      }),
    now: Date.now,
  };
});

export const handler = createTokensHandler(deployedTokens);
