/**
 * Where `npm run cli -- authorize` gets the LinkedIn app's client id and secret (docs/tokens.md):
 * each from the first of --client-id/--client-secret, LINKEDIN_CLIENT_ID/LINKEDIN_CLIENT_SECRET,
 * and the stack's app-credentials secret (JSON {"clientId", "clientSecret"}, read as the
 * refreshers read it: lambdas/shared/tokens/app-credentials.ts). Field by field, so the public
 * client id can be a flag while the secret stays out of the shell history.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseAppCredentials } from '../../lambdas/shared/tokens/app-credentials';
import type { AppCredentials } from '../../lambdas/shared/tokens/ports';
import { CURRENT_STAGE, secretsManagerSecret } from '../../lambdas/shared/tokens/versioned-secret';
import { UsageError } from '../runner/options';

export const CLIENT_ID_ENV = 'LINKEDIN_CLIENT_ID';
export const CLIENT_SECRET_ENV = 'LINKEDIN_CLIENT_SECRET';

export interface CredentialSources {
  readonly flags: { readonly clientId?: string; readonly clientSecret?: string };
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The stack's app-credentials secret; undefined when there is none to read (--local, no stack).
   * Called only when the flags and environment leave a field open.
   */
  readonly secret?: () => Promise<StoredAppCredentials | undefined>;
}

/** The credentials in the app-credentials secret, or why there are none. */
export type StoredAppCredentials =
  | { readonly credentials: AppCredentials; readonly where: string }
  | { readonly credentials?: undefined; readonly where: string; readonly empty: true };

export interface ResolvedCredentials {
  readonly credentials: AppCredentials;
  /** Where they came from, for the operator: `--client-id, LINKEDIN_CLIENT_SECRET`. */
  readonly from: string;
}

/**
 * Reads the app-credentials secret `secretId`. No value yet (the stack creates it empty) is not an
 * error here: `--token` works without credentials.
 *
 * @throws AppCredentialsError when it holds something other than the JSON credentials
 * @throws ConfigError when the caller may not read it or its KMS key
 */
export const readStoredAppCredentials = async (client: SecretsManagerClient, secretId: string): Promise<StoredAppCredentials> => {
  const where = `the LinkedIn app-credentials secret ${secretId}`;
  const value = await secretsManagerSecret({ client, secretId }).value(CURRENT_STAGE);
  if (value === undefined || value.trim().length === 0) return { where, empty: true };
  const fix = `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://credentials.json (docs/tokens.md)`;
  return { credentials: parseAppCredentials(value, where, fix), where };
};

const given = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/**
 * The app's credentials, or undefined when no source has any.
 *
 * @throws UsageError when one of the two is found and the other nowhere
 * @throws AppCredentialsError when the app-credentials secret is malformed
 */
export const resolveAppCredentials = async (sources: CredentialSources): Promise<ResolvedCredentials | undefined> => {
  const fromFlagOrEnv = (flag: string | undefined, flagName: string, envName: string) => {
    const flagged = given(flag);
    if (flagged) return { value: flagged, from: flagName };
    const env = given(sources.env[envName]);
    return env ? { value: env, from: envName } : undefined;
  };
  let id = fromFlagOrEnv(sources.flags.clientId, '--client-id', CLIENT_ID_ENV);
  let secret = fromFlagOrEnv(sources.flags.clientSecret, '--client-secret', CLIENT_SECRET_ENV);
  let emptySecret: string | undefined;
  if ((!id || !secret) && sources.secret) {
    const stored = await sources.secret();
    if (stored?.credentials) {
      id ??= { value: stored.credentials.clientId, from: stored.where };
      secret ??= { value: stored.credentials.clientSecret, from: stored.where };
    } else if (stored) emptySecret = stored.where;
  }
  if (!id && !secret) return undefined;
  if (!id || !secret) {
    const found = (id ?? secret)!;
    const missing = id ? `no client secret (--client-secret or ${CLIENT_SECRET_ENV})` : `no client id (--client-id or ${CLIENT_ID_ENV})`;
    throw new UsageError(
      `a client ${id ? 'id' : 'secret'} from ${found.from} but ${missing}${emptySecret ? `, and ${emptySecret} has no value` : ''}`,
    );
  }
  const from = id.from === secret.from ? id.from : `${id.from}, ${secret.from}`;
  return { credentials: { clientId: id.value, clientSecret: secret.value }, from };
};
