/**
 * What the copy-fault end-to-end tests inspect in s3rver after a run: the objects under an
 * export's prefix and a landed object's bytes. Reads go through the S3 API
 * (not s3rver's files) so they see exactly what a reader of the bucket would.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';

/** Every key under `prefix` (all pages). */
export const listKeys = async (s3: S3Client, bucket: string, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
};

/**
 * The error name HeadObject answers for `key`, or `'Found'` when the object exists. A missing
 * object is `'NotFound'`; anything else (e.g. a credentials problem) shows up as itself, so a
 * misconfigured test cannot pass for "nothing there".
 */
export const headOutcome = async (s3: S3Client, bucket: string, key: string): Promise<string> => {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return 'Found';
  } catch (error) {
    return (error as Error).name;
  }
};

/** A landed object as a reader would check it: its bytes' SHA-256 and its CSV data rows. */
export const readLanded = async (
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ bytes: number; sha256: string; dataRows: number; metadata: Record<string, string> }> => {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from(await object.Body!.transformToByteArray());
  // The header is not a data row (the same assumption as the copy's own count).
  const records = parse(body, { relaxQuotes: false }) as string[][];
  return {
    bytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    dataRows: Math.max(0, records.length - 1),
    metadata: object.Metadata ?? {},
  };
};
