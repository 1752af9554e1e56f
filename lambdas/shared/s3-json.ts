/**
 * The run's small JSON files in S3 (items, Map Run results, the report): read and written the same
 * way by the Plan and Summarize handlers, the local Map Run and the local runner.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** An object whose body is not JSON; the message names it. */
export class NotJsonError extends Error {
  override readonly name = 'NotJsonError';
}

/** The object's body as UTF-8 text. */
export const readS3Text = async (s3: S3Client, bucket: string, key: string): Promise<string> => {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
};

/**
 * The object's body, parsed.
 * @throws NotJsonError `s3://bucket/key is not JSON: …`; S3's own errors (NoSuchKey…) as they are
 */
export const readS3Json = async (s3: S3Client, bucket: string, key: string): Promise<unknown> => {
  const text = await readS3Text(s3, bucket, key);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NotJsonError(`s3://${bucket}/${key} is not JSON: ${(error as Error).message}`);
  }
};

/** Writes `value` as JSON; returns the body's size in bytes. */
export const writeS3Json = async (s3: S3Client, bucket: string, key: string, value: unknown): Promise<number> => {
  const body = JSON.stringify(value);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  return Buffer.byteLength(body);
};
