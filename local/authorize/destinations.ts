/**
 * Where `authorize` stores and `tokens` reads the authorizations (docs/tokens.md): the deployed
 * stack's token secret (the default) and token store bucket (named ones), or, with --local,
 * `npm start`'s stand-in directory. Each comes with the words that tell the operator where.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_AUTHORIZATION } from '../../lambdas/shared/tokens/authorization';
import type { AuthorizationWriter } from '../../lambdas/shared/tokens/ports';
import { s3AuthorizationStore } from '../../lambdas/shared/tokens/s3-store';
import { secretAuthorizationStore } from '../../lambdas/shared/tokens/secret-store';
import { authorizationStores } from '../../lambdas/shared/tokens/stores';
import { localAuthorizationStore } from '../tokens/local-store';

export interface AuthorizationDestination {
  readonly store: AuthorizationWriter;
  /** Where `name` is kept; without a name, where they all are. */
  where(name?: string): string;
}

/** The deployed stack's stores. Without a token store bucket only the default authorization exists (stores.ts). */
export const deployedDestination = (options: {
  secretsManager: SecretsManagerClient;
  s3: S3Client;
  tokenSecretId: string;
  tokenStoreBucket?: string;
}): AuthorizationDestination => {
  const { tokenSecretId, tokenStoreBucket } = options;
  const secret = `the token secret ${tokenSecretId}`;
  const bucket = tokenStoreBucket && `the token store s3://${tokenStoreBucket}`;
  return {
    store: authorizationStores({
      secret: secretAuthorizationStore({ client: options.secretsManager, secretId: tokenSecretId }),
      ...(tokenStoreBucket && { named: s3AuthorizationStore({ s3: options.s3, bucket: tokenStoreBucket }) }),
    }),
    where: (name) => {
      if (name === DEFAULT_AUTHORIZATION) return secret;
      if (name !== undefined) return bucket ?? 'the token store (not deployed)';
      return bucket ? `${secret} and ${bucket}` : secret;
    },
  };
};

/** `npm start`'s stand-in (local/tokens/local-store.ts): one directory for every name. */
export const localDestination = (directory: string): AuthorizationDestination => ({
  store: localAuthorizationStore(directory),
  where: () => `the local token store ${directory}`,
});
