/**
 * The token store (docs/tokens.md): the S3 bucket of the named LinkedIn authorizations, one
 * object per name under `authorizations/` (lambdas/shared/tokens/s3-store.ts), encrypted with a
 * customer-managed KMS key of its own, and the least-privilege statements that read or write it.
 *
 * The default authorization is not here: it lives in the token secret (infra/token.ts). This
 * bucket exists for the partner case, one authorization per customer, where a secret per customer
 * would cost $0.40 a month each and a rotation schedule each.
 *
 * Its own key, not the data bucket's SSE-S3: access to the tokens needs kms:Decrypt on this key on
 * top of the S3 grant, so a principal that may read the exports (an analyst's s3:GetObject on `*`
 * of the account, a misdirected bucket policy) still cannot read a token, and every decryption is
 * in CloudTrail under the key.
 */
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge, logicalIdOf } from './nag';
import { AUTHORIZATIONS_FOLDER } from '../lambdas/shared/contract/authorizations';

/**
 * The folder of the authorization objects, `authorizations/<name>.json`: the default prefix of
 * s3AuthorizationStore (lambdas/shared/tokens/s3-store.ts), which the grants below are scoped to.
 */

/** How long an overwritten or deleted authorization can still be restored (docs/tokens.md, "Rolling back"). */
export const TOKEN_STORE_NONCURRENT_DAYS = 30;

export interface TokenStoreProps {
  /** Where the bucket's server access logs go (the data bucket's log bucket). */
  readonly accessLogBucket: IBucket;
}

/** The named authorizations' bucket and its key. */
export class TokenStore extends Construct {
  readonly bucket: Bucket;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: TokenStoreProps) {
    super(scope, id);
    // Retained whatever the stack's removalPolicy: an authorization cannot be re-created by a
    // deploy, only by each customer's member consenting again.
    this.key = new Key(this, 'key', {
      description: 'Encrypts the named LinkedIn authorizations (access and refresh tokens) of the token store.',
      enableKeyRotation: true,
      alias: `alias/${Stack.of(this).stackName}/token-store`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Resource', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      // One KMS call per bucket key period instead of one per object: 10,000 authorizations read
      // every hour by the token check would otherwise be 240,000 KMS requests a day.
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // A mistaken authorize (the wrong member, the wrong --name) is rolled back by restoring the
      // previous version.
      versioned: true,
      lifecycleRules: [
        // Old versions hold old tokens: kept long enough to roll back, not forever.
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(TOKEN_STORE_NONCURRENT_DAYS) },
      ],
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'token-store/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The cdk-nag finding of the grants on the authorization objects (`<bucket ARN>/authorizations/*`). */
  get objectsFinding(): string {
    return `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.bucket)}.Arn>/${AUTHORIZATIONS_FOLDER}*]`;
  }

  /**
   * Reading the authorizations: each object, the listing of the bucket, and decrypting with the key
   * through S3 only.
   *
   * ListBucket carries no s3:prefix condition: besides the listing, it is what makes S3 answer a
   * GET of a name that was never authorized 404 NoSuchKey instead of 403 AccessDenied, and a GET
   * carries no prefix a condition could match. The bucket holds nothing but authorizations, so the
   * listing shows nothing the objects' grant does not.
   */
  readStatements(): PolicyStatement[] {
    return [
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [this.objectsArn()] }),
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
      this.keyStatement(['kms:Decrypt']),
    ];
  }

  /**
   * Reading and writing the authorizations: what {@link readStatements} allows, plus putting objects
   * (a conditional PUT, If-Match, is a PutObject too) and making their data keys.
   */
  readWriteStatements(): PolicyStatement[] {
    return [
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject', 's3:PutObject'], resources: [this.objectsArn()] }),
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
      this.keyStatement(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']),
    ];
  }

  /** Acknowledges the objects' wildcard on the policy that holds one of the statements above. */
  acknowledgeObjectGrant(policy: IConstruct): void {
    acknowledge(
      policy,
      this.objectsFinding,
      'One object per named authorization, named by the operator at authorize time; the grant is limited to the authorizations/ folder of the token store.',
    );
  }

  private objectsArn(): string {
    return this.bucket.arnForObjects(`${AUTHORIZATIONS_FOLDER}*`);
  }

  /** The key, used by S3 on the caller's behalf only: no direct Decrypt of a stolen ciphertext. */
  private keyStatement(actions: string[]): PolicyStatement {
    return new PolicyStatement({
      effect: Effect.ALLOW,
      actions,
      resources: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
    });
  }
}
