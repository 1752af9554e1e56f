/**
 * The LinkedIn app's credentials (docs/tokens.md): the app-credentials secret holds JSON
 * `{"clientId": "...", "clientSecret": "..."}`, put by an operator from the app's Auth page in
 * LinkedIn's developer portal. Read only when a refresh or a test needs LinkedIn's OAuth endpoints.
 *
 * Messages name the secret and the fields, never a value: the client secret must not reach a log.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import '../contract/zod-locale';
import * as z from 'zod/mini';
import type { AppCredentials } from './ports';
import { awsErrorName, explainSecretFailure } from './versioned-secret';

/** The app credentials are missing or unusable; the message says how to put them. */
export class AppCredentialsError extends Error {
  override readonly name = 'AppCredentialsError';
}

const nonEmpty = z.string().check(z.trim(), z.minLength(1));
const credentialsSchema = z.looseObject({ clientId: nonEmpty, clientSecret: nonEmpty });

const putCommand = (secretId: string): string =>
  `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"clientId":"<client id>","clientSecret":"<client secret>"}'`;

/**
 * Reads the secret's value.
 *
 * @param where names the secret in messages
 * @throws AppCredentialsError when it is not JSON with non-empty string `clientId` and `clientSecret`
 */
export const parseAppCredentials = (value: string | undefined, where: string, fix: string): AppCredentials => {
  const text = (value ?? '').trim();
  if (text.length === 0) throw new AppCredentialsError(`${where} has no value: put the LinkedIn app's credentials with ${fix}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppCredentialsError(`${where} is not JSON: it must be {"clientId", "clientSecret"}; put it with ${fix}`);
  }
  const parsed = credentialsSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(value)'))].join(', ');
    throw new AppCredentialsError(
      `${where} lacks a non-empty string ${fields}: it must be {"clientId", "clientSecret"}; put it with ${fix}`,
    );
  }
  return { clientId: parsed.data.clientId, clientSecret: parsed.data.clientSecret };
};

/**
 * The credentials in the Secrets Manager secret `secretId` (LINKEDIN_APP_SECRET_ID), read afresh on
 * every call so a changed client secret is used at once.
 *
 * @throws AppCredentialsError when the secret has no value or an unusable one
 * @throws ConfigError when the role may not read it or its KMS key
 */
export const readAppCredentials = async ({
  client,
  secretId,
}: {
  client: SecretsManagerClient;
  secretId: string;
}): Promise<AppCredentials> => {
  const where = `The LinkedIn app-credentials secret ${secretId}`;
  let value: string | undefined;
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    value = answer.SecretString ?? (answer.SecretBinary && Buffer.from(answer.SecretBinary).toString('utf8'));
  } catch (error) {
    // A secret created without a value answers "not found": nobody has put the credentials yet.
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw explainSecretFailure(error, secretId, 'read');
  }
  return parseAppCredentials(value, where, putCommand(secretId));
};
