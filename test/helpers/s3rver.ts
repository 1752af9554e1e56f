/**
 * A real local S3 for tests: s3rver on 127.0.0.1, a free port, a fresh temp directory and one
 * bucket, with the multipart APIs s3rver lacks (local/s3rver-multipart.ts) and, when asked, S3's
 * conditional writes (local/s3rver-conditional.ts, as `npm start`'s local S3 has them), which the
 * export ledger is written with. `close()` stops it and removes the directory.
 */
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addConditionalWrites } from '../../local/s3rver-conditional';
import { addMultipartApis, openMultipartUploads } from '../../local/s3rver-multipart';

export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** Path-style client with dummy credentials, pointed at this server. */
  s3Client: S3Client;
  /** Multipart uploads still open in the bucket (read from s3rver's store, not via the API). */
  openUploads: () => Promise<Array<{ uploadId: string; key: string }>>;
  close: () => Promise<void>;
}

export interface LocalS3Options {
  /**
   * `If-None-Match` and `If-Match` on writes, as S3 answers them (412 when the condition fails):
   * what the export ledger's writes rely on (lambdas/shared/ledger/store.ts). @default false
   */
  conditionalWrites?: boolean;
}

/**
 * Starts s3rver with one bucket.
 * @param bucket bucket name (default `test-bucket`)
 */
export const startLocalS3 = async (bucket = 'test-bucket', options: LocalS3Options = {}): Promise<LocalS3> => {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  addMultipartApis(server);
  if (options.conditionalWrites) addConditionalWrites(server);

  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const s3Client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    bucket,
    s3Client,
    openUploads: () => openMultipartUploads(server, bucket),
    close: async () => {
      s3Client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
};
