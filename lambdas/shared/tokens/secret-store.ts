/**
 * The default authorization (docs/tokens.md): the one record in the stack's token secret, read
 * and written as its AWSCURRENT value. Today's plain-string token stays readable (parseAuthorization);
 * a write stores the JSON record, which the workflow's token source reads as well.
 *
 * Reading needs only secretsmanager:GetSecretValue, so every Lambda that reads the token can use it.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Authorization, DEFAULT_AUTHORIZATION, parseAuthorization, serializeAuthorization } from './authorization';
import type { AuthorizationWriter, VersionedAuthorization } from './ports';
import { CURRENT_STAGE, secretsManagerSecret, type VersionedSecret } from './versioned-secret';

/** The default authorization in a versioned secret, with the compare-and-set a local store needs. */
export interface SecretAuthorization extends AuthorizationWriter {
  /** The current record with its version id. */
  readVersioned(): Promise<VersionedAuthorization | undefined>;
  /**
   * Writes only if AWSCURRENT is still version `version`; false when another writer came first.
   * Compare, then put: exact within one process (the local store's single operator); Secrets
   * Manager has no conditional put, and its writers are serialized by the rotation instead.
   */
  writeIf(authorization: Authorization, version: string): Promise<boolean>;
}

const onlyDefault = (name: string): void => {
  if (name !== DEFAULT_AUTHORIZATION) {
    throw new Error(`The token secret holds only the "${DEFAULT_AUTHORIZATION}" authorization, not "${name}"`);
  }
};

/** A value of whitespace only is as good as none: the record was never put. */
const parsed = (value: string | undefined, where: string): Authorization | undefined =>
  value === undefined || value.trim().length === 0 ? undefined : parseAuthorization(value, DEFAULT_AUTHORIZATION, where);

/** The default authorization kept as the current value of `secret`. */
export const authorizationInSecret = (secret: VersionedSecret): SecretAuthorization => {
  const read = async (): Promise<Authorization | undefined> => parsed(await secret.value(CURRENT_STAGE), secret.name);
  const write = async (authorization: Authorization): Promise<void> => {
    onlyDefault(authorization.name);
    await secret.putCurrent(serializeAuthorization(authorization));
  };
  return {
    read: async (name) => (name === DEFAULT_AUTHORIZATION ? read() : undefined),
    list: async () => {
      const authorization = await read();
      return authorization ? [authorization] : [];
    },
    write,
    readVersioned: async () => {
      const { current } = await secret.versions();
      if (current === undefined) return undefined;
      const authorization = parsed(await secret.value(current), secret.name);
      return authorization && { authorization, version: current };
    },
    writeIf: async (authorization, version) => {
      onlyDefault(authorization.name);
      if ((await secret.versions()).current !== version) return false;
      await write(authorization);
      return true;
    },
  };
};

/**
 * The default authorization in the Secrets Manager secret `secretId`: `read` is its AWSCURRENT
 * value (undefined when it has none), `write` puts a new AWSCURRENT version.
 *
 * @throws ConfigError naming the secret and the permission when the role may not read it or its KMS key
 * @throws StoredAuthorizationError when the value is malformed
 */
export const secretAuthorizationStore = ({ client, secretId }: { client: SecretsManagerClient; secretId: string }): AuthorizationWriter => {
  const { read, list, write } = authorizationInSecret(secretsManagerSecret({ client, secretId }));
  return { read, list, write };
};
