/**
 * Where the workflow's LinkedIn access tokens come from (docs/tokens.md).
 *
 * - Each (contract, export type) pair names the authorization that covers its contract; the
 *   default one lives in the Secrets Manager secret named by `LINKEDIN_TOKEN_SECRET_ID` (read
 *   through Powertools parameters, `AWSCURRENT` only, so a rotation in progress is never seen),
 *   the named ones in the token store (tokens/s3-store.ts).
 * - Every read is cached for {@link TOKEN_CACHE_SECONDS}, so a warm Lambda does not read on every
 *   request, yet picks up a refreshed or re-authorized token within minutes.
 * - Before a token is used, its record is checked: an expired, revoked or never-put authorization
 *   fails as `LinkedInAuthError` before any request reaches LinkedIn, and the message says which
 *   and names the command that fixes it.
 *
 * The token is returned, never logged, and never put in an error message.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { GetParameterError } from '@aws-lambda-powertools/parameters';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import {
  type Authorization,
  assessAuthorization,
  DEFAULT_AUTHORIZATION,
  missingAuthorization,
  parseAuthorization,
  renewAdvice,
  StoredAuthorizationError,
} from '../tokens/authorization';
import type { AuthorizationReader } from '../tokens/ports';
import { LinkedInAuthError } from './errors';

/** How long an authorization read from its store is reused. */
export const TOKEN_CACHE_SECONDS = 300;

/** Secrets Manager failures that a retry cannot fix: the deployment is wrong. */
const CONFIG_FAILURES = new Set(['AccessDeniedException', 'DecryptionFailure', 'InvalidRequestException', 'InvalidParameterException']);

/**
 * The default authorization, read from the token secret through Powertools (cached
 * {@link TOKEN_CACHE_SECONDS}). Undefined when the secret has no value yet: the stack creates it empty.
 *
 * @throws ConfigError when the secret cannot be read (permissions, KMS)
 * @throws StoredAuthorizationError when its value holds no usable authorization
 */
export const readSecretAuthorization = async (secretId: string): Promise<Authorization | undefined> => {
  let value: string | Uint8Array | undefined;
  try {
    value = await getSecret(secretId, { maxAge: TOKEN_CACHE_SECONDS });
  } catch (error) {
    const cause = error instanceof GetParameterError ? error.cause : error;
    const name = cause instanceof Error ? cause.name : undefined;
    if (name === 'ResourceNotFoundException') return undefined;
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
  return parseAuthorization(value, DEFAULT_AUTHORIZATION, `The Secrets Manager secret ${secretId}`);
};

/** Where a missing authorization should have been put, for the "never put" message. */
export type AuthorizationPlace = (name: string) => string;

/**
 * The access token of authorization `name`, checked before each use.
 *
 * @param place names where the authorization is kept (a secret's id, the store's key)
 * @throws LinkedInAuthError when the authorization was never put, is malformed, expired or revoked
 */
export const checkedTokenSource =
  (reader: AuthorizationReader, name: string, now: () => number, place: AuthorizationPlace) => async (): Promise<string> => {
    let record: Authorization | undefined;
    try {
      record = await reader.read(name);
    } catch (error) {
      if (error instanceof StoredAuthorizationError) {
        throw new LinkedInAuthError(
          { authorization: name },
          `${error.message}, so LinkedIn authorization "${name}" cannot be used: ${renewAdvice(name)}`,
        );
      }
      throw error;
    }
    if (record === undefined) throw new LinkedInAuthError({ authorization: name }, missingAuthorization(name, place(name)).message);
    const unusable = assessAuthorization(record, now());
    if (unusable) throw new LinkedInAuthError({ authorization: name }, unusable.message);
    return record.accessToken;
  };

/**
 * A reader whose answers are reused for `ttlMs`: the workflow reads a pair's authorization on
 * every LinkedIn call, and 10,000 pairs must not mean 10,000 reads a minute.
 */
export const cachedAuthorizationReader = (
  reader: AuthorizationReader,
  ttlMs: number,
  now: () => number = Date.now,
): AuthorizationReader => {
  const cache = new Map<string, { at: number; value: Promise<Authorization | undefined> }>();
  return {
    read: (name) => {
      const hit = cache.get(name);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const value = reader.read(name);
      cache.set(name, { at: now(), value });
      // A failed read is not remembered: the next call tries again.
      value.catch(() => {
        if (cache.get(name)?.value === value) cache.delete(name);
      });
      return value;
    },
    list: () => reader.list(),
  };
};
