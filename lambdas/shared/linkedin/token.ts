/**
 * Where the LinkedIn access token comes from.
 *
 * - Deployed: the Secrets Manager secret named by `LINKEDIN_TOKEN_SECRET_ID`, read through
 *   Powertools parameters and cached for {@link TOKEN_CACHE_SECONDS} so a warm Lambda does not
 *   call Secrets Manager on every request, yet picks up a replaced token within minutes.
 *   The secret's value is either the token itself (plain text) or JSON `{"accessToken": "..."}`
 *   (other keys, such as an expiry note, are ignored). A value starting with `{` is JSON.
 * - Local runner and benchmark: a token they pass in themselves (lambdas/shared/handlers/dependencies.ts).
 *
 * The token is returned, never logged, and never put in an error message.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { GetParameterError } from '@aws-lambda-powertools/parameters';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import { LinkedInAuthError } from './errors';

/** How long a token read from Secrets Manager is reused. */
export const TOKEN_CACHE_SECONDS = 300;

/** Secrets Manager failures that a retry cannot fix: the deployment is wrong. */
const CONFIG_FAILURES = new Set(['AccessDeniedException', 'DecryptionFailure', 'InvalidRequestException', 'InvalidParameterException']);

const noToken = (secretId: string, problem: string): LinkedInAuthError =>
  new LinkedInAuthError({}, `The Secrets Manager secret ${secretId} ${problem}`);

/**
 * The token inside a secret's value: the value itself, or its `accessToken` when it is JSON.
 *
 * @param value the secret's string (or binary) value
 * @param secretId named in errors (never the value)
 * @throws LinkedInAuthError when the value holds no usable token
 */
export const tokenFromSecretValue = (value: string | Uint8Array | undefined, secretId: string): string => {
  const text = (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : (value ?? '')).trim();
  if (text.length === 0) throw noToken(secretId, 'is empty');
  if (!text.startsWith('{')) return text;

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw noToken(secretId, 'starts with "{" but is not valid JSON');
  }
  const token = (parsed as { accessToken?: unknown }).accessToken;
  if (typeof token !== 'string' || token.trim().length === 0) {
    throw noToken(secretId, 'is JSON without a non-empty string "accessToken"');
  }
  return token.trim();
};

const readSecret = async (secretId: string): Promise<string | Uint8Array | undefined> => {
  try {
    return await getSecret(secretId, { maxAge: TOKEN_CACHE_SECONDS });
  } catch (error) {
    const cause = error instanceof GetParameterError ? error.cause : error;
    const name = cause instanceof Error ? cause.name : undefined;
    // The stack creates the secret without a value, so "not found" almost always means
    // "nobody has put the token yet": say that, as a token problem the operator can fix.
    if (name === 'ResourceNotFoundException') {
      throw noToken(
        secretId,
        'has no value yet (or does not exist): put the token with ' +
          `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '<token>'`,
      );
    }
    if (name && CONFIG_FAILURES.has(name)) {
      throw new NamedError(
        ERROR_NAMES.config,
        `Cannot read the LinkedIn token secret ${secretId} (${name}): check LINKEDIN_TOKEN_SECRET_ID ` +
          "and the function role's secretsmanager:GetSecretValue (and KMS decrypt) permission.",
        { cause: error },
      );
    }
    throw error;
  }
};

/**
 * The deployed token source: the token in the Secrets Manager secret `secretId`, cached for
 * {@link TOKEN_CACHE_SECONDS}.
 *
 * @throws ConfigError when the secret cannot be read (permissions, KMS)
 * @throws LinkedInAuthError when the secret has no value or holds no usable token
 */
export const secretTokenSource = (secretId: string) => async (): Promise<string> =>
  tokenFromSecretValue(await readSecret(secretId), secretId);
