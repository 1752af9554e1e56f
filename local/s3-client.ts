/**
 * How local tools reach an S3: client settings, s3rver's key pair, s3:// URIs. Kept apart from
 * local/s3.ts (which starts an s3rver) so the benchmark's Lambda-like bundle can use it without
 * bundling s3rver.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * s3rver accepts only its own hard-coded key pair (any other access key id gets
 * InvalidAccessKeyId); it checks no SigV4 signature, so the secret does not matter to it.
 */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * Client settings for an S3-compatible endpoint: path-style addressing (a `localhost` endpoint
 * would otherwise resolve `bucket.localhost`). Without an endpoint: real AWS S3 in `region`.
 *
 * @param endpoint e.g. `http://127.0.0.1:4568`; undefined for AWS S3
 * @param region @default process.env.AWS_REGION, else us-east-1
 */
export const s3ClientConfig = (endpoint: string | undefined, region?: string): S3ClientConfig => ({
  region: region ?? process.env.AWS_REGION ?? 'us-east-1',
  ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
});

/** `s3://bucket/key` → its parts. */
export const parseS3Uri = (uri: string): { bucket: string; key: string } => {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new RangeError(`Not an s3:// URI: ${JSON.stringify(uri)}`);
  return { bucket: match[1]!, key: match[2]! };
};
