/**
 * The ledger tests' S3: the product's local S3 (s3rver with conditional writes, local/s3.ts) in a
 * fresh directory, a client for it, and the two reads and writes the tests arrange data with.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startLocalS3 } from '../../local/s3';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';

export interface TestS3 {
  client: S3Client;
  /** Writes `body` at `key`; returns the ETag. */
  put(key: string, body: string): Promise<string>;
  /** The object at `key`, as UTF-8. */
  text(key: string): Promise<string>;
  close(): Promise<void>;
}

export const openTestS3 = async (bucket: string, name: string): Promise<TestS3> => {
  const directory = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const server = await startLocalS3({ bucket, directory });
  const client = new S3Client({ ...s3ClientConfig(server.endpoint), credentials: S3RVER_CREDENTIALS });
  return {
    client,
    put: async (key, body) => (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).ETag ?? '',
    text: async (key) =>
      (await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString('utf8')) ?? '',
    close: async () => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
};
