/**
 * Secrets Manager as the token rotation sees it, in memory: secrets with versions, values and
 * staging labels, under the service's documented rules (AWS Secrets Manager API Reference):
 *
 * - PutSecretValue labels the new version AWSCURRENT unless VersionStages says otherwise; moving
 *   AWSCURRENT moves AWSPREVIOUS to the version it left. A ClientRequestToken used again with the
 *   same value is ignored, with another value refused (ResourceExistsException); a version without
 *   a value (the one a rotation starts with) takes the value.
 * - GetSecretValue answers ResourceNotFoundException for a version without a value, or one that
 *   does not hold the asked stage.
 * - UpdateSecretVersionStage moves a label only from the version that holds it (RemoveFromVersionId),
 *   else InvalidParameterException.
 * - RotateSecret ({@link SecretsManagerFake.startRotation}) labels a new, empty version AWSPENDING,
 *   and refuses while AWSPENDING sits on a version other than AWSCURRENT (a rotation in progress).
 *
 * Installed on every SecretsManagerClient with aws-sdk-client-mock, so the product's own clients
 * and commands run unchanged.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandInput,
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  type PutSecretValueCommandInput,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';
const $metadata = {};

interface Version {
  value?: string;
  stages: Set<string>;
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  rotationEnabled: boolean;
  readonly versions: Map<string, Version>;
}

export type FakeCommand = 'GetSecretValue' | 'PutSecretValue' | 'DescribeSecret' | 'UpdateSecretVersionStage';

/** A failure the role or KMS would cause, by its AWS error name. */
export const awsFailure = (name: 'AccessDeniedException' | 'DecryptionFailure' | 'EncryptionFailure', message = `${name} (simulated)`) =>
  new SecretsManagerServiceException({ name, $fault: 'client', $metadata, message });

export class SecretsManagerFake {
  private readonly secrets = new Map<string, Secret>();
  /** Every command received, in order, with the secret it named. */
  readonly calls: Array<{ command: FakeCommand; secretId: string }> = [];
  /** The next call of a command (to any secret) fails with this error. */
  readonly failNext = new Map<FakeCommand, Error>();
  private stub: { restore(): void } | undefined;

  /** Creates a secret (as the stack does: without a value unless `value` is given); returns its ARN. */
  create(name: string, options: { value?: string; rotationEnabled?: boolean } = {}): string {
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${randomUUID().replace(/-/g, '').slice(0, 6)}`;
    this.secrets.set(name, { name, arn, rotationEnabled: options.rotationEnabled ?? true, versions: new Map() });
    if (options.value !== undefined) this.put(name, options.value);
    return arn;
  }

  /** Routes every SecretsManagerClient's commands here; call {@link uninstall} after the tests. */
  install(): this {
    const stub = mockClient(SecretsManagerClient);
    stub
      .on(GetSecretValueCommand)
      .callsFake((input: GetSecretValueCommandInput) => this.call('GetSecretValue', input.SecretId, () => this.get(input)));
    stub
      .on(PutSecretValueCommand)
      .callsFake((input: PutSecretValueCommandInput) => this.call('PutSecretValue', input.SecretId, () => this.putValue(input)));
    stub
      .on(DescribeSecretCommand)
      .callsFake((input: DescribeSecretCommandInput) => this.call('DescribeSecret', input.SecretId, () => this.describe(input)));
    stub
      .on(UpdateSecretVersionStageCommand)
      .callsFake((input: UpdateSecretVersionStageCommandInput) =>
        this.call('UpdateSecretVersionStage', input.SecretId, () => this.updateStage(input)),
      );
    this.stub = stub;
    return this;
  }

  uninstall(): void {
    this.stub?.restore();
  }

  /** Forgets every secret, call and planned failure. */
  reset(): void {
    this.secrets.clear();
    this.calls.length = 0;
    this.failNext.clear();
  }

  /** Puts `value` as the new AWSCURRENT, as `aws secretsmanager put-secret-value` does; returns the version id. */
  put(secretId: string, value: string): string {
    return this.putValue({ SecretId: secretId, SecretString: value }).VersionId;
  }

  /**
   * What RotateSecret does before it invokes the rotation function: a new version labelled
   * AWSPENDING, without a value; returns its id (the steps' ClientRequestToken).
   *
   * @throws InvalidRequestException while another rotation's AWSPENDING version is not current
   */
  startRotation(secretId: string, token: string = randomUUID()): string {
    const secret = this.secret(secretId);
    if (!secret.rotationEnabled) throw new InvalidRequestException({ $metadata, message: 'Rotation is not enabled for this secret' });
    const pending = this.holder(secret, PENDING);
    if (pending !== undefined && pending !== this.holder(secret, CURRENT)) {
      throw new InvalidRequestException({ $metadata, message: "A previous rotation isn't complete. That rotation will be reattempted." });
    }
    secret.versions.set(token, { stages: new Set() });
    this.label(secret, PENDING, token);
    return token;
  }

  /** The version holding `stage`, if any. */
  versionWith(secretId: string, stage: string): string | undefined {
    return this.holder(this.secret(secretId), stage);
  }

  /** The value of the version holding `stage` (or of version id `version`), if it has one. */
  valueOf(secretId: string, version: string): string | undefined {
    const secret = this.secret(secretId);
    return secret.versions.get(this.holder(secret, version) ?? version)?.value;
  }

  /** Each labelled version's stages, as DescribeSecret's VersionIdsToStages. */
  stages(secretId: string): Record<string, string[]> {
    return this.describe({ SecretId: secretId }).VersionIdsToStages;
  }

  setRotationEnabled(secretId: string, enabled: boolean): void {
    this.secret(secretId).rotationEnabled = enabled;
  }

  count(command: FakeCommand, secretId?: string): number {
    return this.calls.filter(
      (call) => call.command === command && (secretId === undefined || this.find(call.secretId) === this.find(secretId)),
    ).length;
  }

  private call<T>(command: FakeCommand, secretId: string | undefined, answer: () => T): Promise<T> {
    this.calls.push({ command, secretId: secretId ?? '' });
    const failure = this.failNext.get(command);
    if (failure) {
      this.failNext.delete(command);
      return Promise.reject(failure);
    }
    try {
      return Promise.resolve(answer());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private find(secretId: string | undefined): Secret | undefined {
    return [...this.secrets.values()].find((s) => s.name === secretId || s.arn === secretId);
  }

  private secret(secretId: string | undefined): Secret {
    const secret = this.find(secretId);
    if (!secret) throw new ResourceNotFoundException({ $metadata, message: "Secrets Manager can't find the specified secret." });
    return secret;
  }

  private holder(secret: Secret, stage: string): string | undefined {
    for (const [id, version] of secret.versions) if (version.stages.has(stage)) return id;
    return undefined;
  }

  /** Attaches `stage` to `versionId`, taking it off any other version; AWSCURRENT leaves AWSPREVIOUS behind. */
  private label(secret: Secret, stage: string, versionId: string): void {
    const from = this.holder(secret, stage);
    if (from === versionId) return;
    if (from !== undefined) secret.versions.get(from)!.stages.delete(stage);
    secret.versions.get(versionId)!.stages.add(stage);
    if (stage === CURRENT && from !== undefined) this.label(secret, PREVIOUS, from);
  }

  private get(input: GetSecretValueCommandInput) {
    const secret = this.secret(input.SecretId);
    const stage = input.VersionStage ?? (input.VersionId === undefined ? CURRENT : undefined);
    const id = input.VersionId ?? (stage === undefined ? undefined : this.holder(secret, stage));
    const version = id === undefined ? undefined : secret.versions.get(id);
    if (!version || version.value === undefined || (stage !== undefined && !version.stages.has(stage))) {
      throw new ResourceNotFoundException({
        $metadata,
        message: `Secrets Manager can't find the specified secret value for ${input.VersionId ? `VersionId: ${input.VersionId}` : `staging label: ${stage}`}`,
      });
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: id,
      SecretString: version.value,
      VersionStages: [...version.stages],
      $metadata,
    };
  }

  private putValue(input: PutSecretValueCommandInput) {
    const secret = this.secret(input.SecretId);
    const value = input.SecretString ?? (input.SecretBinary && Buffer.from(input.SecretBinary).toString('utf8'));
    if (value === undefined)
      throw new InvalidParameterException({ $metadata, message: 'You must provide either SecretString or SecretBinary.' });
    const id = input.ClientRequestToken ?? randomUUID();
    const existing = secret.versions.get(id);
    if (existing?.value !== undefined) {
      if (existing.value !== value) {
        throw new ResourceExistsException({ $metadata, message: `A resource with the ID you requested already exists: version ${id}` });
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: [...existing.stages], $metadata };
    }
    secret.versions.set(id, { value, stages: existing?.stages ?? new Set() });
    for (const stage of input.VersionStages ?? [CURRENT]) this.label(secret, stage, id);
    return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: [...secret.versions.get(id)!.stages], $metadata };
  }

  private describe(input: DescribeSecretCommandInput) {
    const secret = this.secret(input.SecretId);
    const VersionIdsToStages: Record<string, string[]> = {};
    for (const [id, version] of secret.versions) if (version.stages.size > 0) VersionIdsToStages[id] = [...version.stages];
    return { ARN: secret.arn, Name: secret.name, RotationEnabled: secret.rotationEnabled, VersionIdsToStages, $metadata };
  }

  private updateStage(input: UpdateSecretVersionStageCommandInput) {
    const secret = this.secret(input.SecretId);
    const stage = input.VersionStage!;
    const holder = this.holder(secret, stage);
    if (input.RemoveFromVersionId !== undefined && input.RemoveFromVersionId !== holder) {
      throw new InvalidParameterException({
        $metadata,
        message: `The staging label ${stage} is not attached to version ${input.RemoveFromVersionId}`,
      });
    }
    if (input.MoveToVersionId !== undefined) {
      if (!secret.versions.has(input.MoveToVersionId)) {
        throw new ResourceNotFoundException({ $metadata, message: `Secrets Manager can't find version ${input.MoveToVersionId}` });
      }
      if (holder !== undefined && holder !== input.MoveToVersionId && input.RemoveFromVersionId === undefined) {
        throw new InvalidParameterException({
          $metadata,
          message: `The staging label ${stage} is attached to version ${holder}: name it in RemoveFromVersionId to move it`,
        });
      }
      this.label(secret, stage, input.MoveToVersionId);
    } else if (holder !== undefined) {
      secret.versions.get(holder)!.stages.delete(stage);
    }
    return { ARN: secret.arn, Name: secret.name, $metadata };
  }
}
