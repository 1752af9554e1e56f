/**
 * Where the exports land: the versioned data bucket and the bucket its server access logs go to;
 * what each keeps and for how long is docs/operations.md, "Retention and lifecycle".
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type LifecycleRule, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface ExportStorageProps {
  /** A fixed bucket name. @default a name CloudFormation generates */
  readonly bucketName?: string;
  /** The export prefix ("" or ending in "/"); `dataRetentionDays` expires objects under it only. */
  readonly keyPrefix: string;
  /** Exports older than this expire. @default kept forever */
  readonly dataRetentionDays?: number;
  /** What a stack delete does to both buckets. */
  readonly removalPolicy: RemovalPolicy;
}

/** The data bucket (encrypted, private, TLS-only, versioned, logged) and its access-log bucket. */
export class ExportStorage extends Construct {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: ExportStorageProps) {
    super(scope, id);
    const { removalPolicy } = props;

    this.accessLogBucket = new Bucket(this, 'access-logs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy,
    });
    acknowledge(
      this.accessLogBucket,
      'AwsSolutions-S1',
      'This bucket is the server access log target of the data bucket; logging it too would need a third bucket (or a loop).',
    );

    const lifecycleRules: LifecycleRule[] = [
      // A failed or stopped copy leaves parts behind; they cost money and are never published.
      { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      // Re-runs overwrite the same deterministic keys; older versions are a safety net, not an archive.
      { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(30) },
    ];
    if (props.dataRetentionDays !== undefined) {
      lifecycleRules.push({
        id: 'expire-exports',
        prefix: props.keyPrefix || undefined,
        expiration: Duration.days(props.dataRetentionDays),
      });
    }
    this.bucket = new Bucket(this, 'exports', {
      bucketName: props.bucketName,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'exports-bucket/',
      removalPolicy,
    });
  }
}
