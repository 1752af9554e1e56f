/**
 * The token secret as Secrets Manager keeps it during a rotation (docs/tokens.md, "Rotation"):
 * versions, each with an id, a value and staging labels. AWSCURRENT is what the workflow reads;
 * AWSPENDING marks the candidate of a rotation in progress; AWSPREVIOUS the last current value.
 *
 * Two implementations of one interface, so `npm start` exercises the same rotation code as the
 * deployed Lambda: {@link secretsManagerSecret} here, and local/tokens/local-secret.ts (files).
 *
 * No value ever goes into an error message: only the secret's id, version ids and AWS error names.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { ERROR_NAMES, NamedError } from '../contract/error-names';

export const CURRENT_STAGE = 'AWSCURRENT';
export const PENDING_STAGE = 'AWSPENDING';
export const PREVIOUS_STAGE = 'AWSPREVIOUS';
const STAGES: ReadonlySet<string> = new Set([CURRENT_STAGE, PENDING_STAGE, PREVIOUS_STAGE]);

/** Which versions hold the rotation's labels. */
export interface SecretVersions {
  /** Off: the secret is not configured for rotation, and no step may change it. */
  readonly rotationEnabled: boolean;
  /** The version labelled AWSCURRENT; undefined when the secret never had a value. */
  readonly current?: string;
  /**
   * The version labelled AWSPENDING: a rotation's candidate, or the empty version Secrets Manager
   * makes when a rotation starts (it has the label before it has a value). After a successful
   * rotation Secrets Manager may leave the label on the current version.
   */
  readonly pending?: string;
}

export interface VersionedSecret {
  /** How messages name the secret: `Secrets Manager secret <id>`, `local token secret <directory>`. */
  readonly name: string;
  versions(): Promise<SecretVersions>;
  /**
   * The value of a version id, or of a staging label ({@link CURRENT_STAGE}…); undefined when it
   * has none (never put, or the empty version a rotation begins with).
   */
  value(versionIdOrStage: string): Promise<string | undefined>;
  /** Stores `value` as version `versionId` labelled AWSPENDING. */
  putPending(versionId: string, value: string): Promise<void>;
  /** Makes `versionId` AWSCURRENT; the version that was current becomes AWSPREVIOUS. */
  promote(versionId: string): Promise<void>;
  /**
   * Takes AWSPENDING off `versionId`. A rotation that refreshed nothing must end this way: while
   * AWSPENDING sits on a version other than AWSCURRENT, Secrets Manager refuses every later
   * rotation as "still in progress" (RotateSecret API reference).
   */
  dropPending(versionId: string): Promise<void>;
  /** Puts `value` as the new AWSCURRENT outside any rotation (authorize, a hand-put token); returns its version id. */
  putCurrent(value: string): Promise<string>;
}

/** The AWS error name of an SDK failure (its class name, as Secrets Manager's exceptions are named). */
export const awsErrorName = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);

/** What each call needs in the function role's policy, for messages that say what to grant. */
const PERMISSION = {
  read: 'secretsmanager:GetSecretValue',
  describe: 'secretsmanager:DescribeSecret',
  write: 'secretsmanager:PutSecretValue',
  label: 'secretsmanager:UpdateSecretVersionStage',
} as const;
export type SecretAccess = keyof typeof PERMISSION;

/**
 * Turns the failures a retry cannot fix (the role, the KMS key) into a ConfigError that names the
 * secret and the missing permission; returns any other error unchanged.
 */
export const explainSecretFailure = (error: unknown, secretId: string, access: SecretAccess): unknown => {
  const name = awsErrorName(error);
  const verb = access === 'write' || access === 'label' ? 'change' : 'read';
  if (name === 'AccessDeniedException') {
    return new NamedError(
      ERROR_NAMES.config,
      `Cannot ${verb} the Secrets Manager secret ${secretId} (AccessDeniedException): the function role needs ${PERMISSION[access]} on it.`,
      { cause: error },
    );
  }
  if (name === 'DecryptionFailure' || name === 'EncryptionFailure') {
    const kms = name === 'DecryptionFailure' ? 'kms:Decrypt' : 'kms:GenerateDataKey and kms:Decrypt';
    return new NamedError(
      ERROR_NAMES.config,
      `Cannot ${verb} the Secrets Manager secret ${secretId} (${name}): the function role needs ${kms} on the secret's KMS key.`,
      { cause: error },
    );
  }
  return error;
};

const withExplanation = async <T>(secretId: string, access: SecretAccess, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw explainSecretFailure(error, secretId, access);
  }
};

const text = (value: { SecretString?: string; SecretBinary?: Uint8Array }): string | undefined =>
  value.SecretString ?? (value.SecretBinary === undefined ? undefined : Buffer.from(value.SecretBinary).toString('utf8'));

/** The secret `secretId` in Secrets Manager, through `client` (the function role's credentials when deployed). */
export const secretsManagerSecret = ({ client, secretId }: { client: SecretsManagerClient; secretId: string }): VersionedSecret => {
  const versions = async (): Promise<SecretVersions> => {
    const described = await withExplanation(secretId, 'describe', () => client.send(new DescribeSecretCommand({ SecretId: secretId })));
    const holding = (stage: string) => Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes(stage))?.[0];
    const current = holding(CURRENT_STAGE);
    const pending = holding(PENDING_STAGE);
    return { rotationEnabled: described.RotationEnabled === true, ...(current && { current }), ...(pending && { pending }) };
  };

  return {
    name: `Secrets Manager secret ${secretId}`,
    versions,
    value: async (versionIdOrStage) => {
      const which = STAGES.has(versionIdOrStage) ? { VersionStage: versionIdOrStage } : { VersionId: versionIdOrStage };
      try {
        return text(await client.send(new GetSecretValueCommand({ SecretId: secretId, ...which })));
      } catch (error) {
        // Secrets Manager answers ResourceNotFoundException for a version without a value: the
        // empty secret the stack creates, and the version a rotation labels before filling it.
        if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
        throw explainSecretFailure(error, secretId, 'read');
      }
    },
    putPending: async (versionId, value) => {
      // ClientRequestToken makes the put idempotent: a retried step with the same value is a no-op.
      await withExplanation(secretId, 'write', () =>
        client.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            ClientRequestToken: versionId,
            SecretString: value,
            VersionStages: [PENDING_STAGE],
          }),
        ),
      );
    },
    promote: async (versionId) => {
      const { current } = await versions();
      if (current === versionId) return;
      await withExplanation(secretId, 'label', () =>
        client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: CURRENT_STAGE,
            MoveToVersionId: versionId,
            ...(current && { RemoveFromVersionId: current }),
          }),
        ),
      );
    },
    dropPending: async (versionId) => {
      await withExplanation(secretId, 'label', () =>
        client.send(
          new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: PENDING_STAGE, RemoveFromVersionId: versionId }),
        ),
      );
    },
    putCurrent: async (value) => {
      // Without VersionStages Secrets Manager labels the new version AWSCURRENT (and the old one AWSPREVIOUS).
      const put = await withExplanation(secretId, 'write', () =>
        client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value })),
      );
      if (put.VersionId === undefined) throw new Error(`Secrets Manager gave no version id for the value put in ${secretId}`);
      return put.VersionId;
    },
  };
};
