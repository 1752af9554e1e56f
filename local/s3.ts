/**
 * The local S3 of the embedded default: an s3rver on a free loopback port whose data lives under
 * `.local/s3` (git-ignored) and stays there after the run, so the user can open the CSVs. It adds
 * what s3rver lacks and the workflow uses: the multipart listing and abort
 * (s3rver-multipart.ts) and conditional writes (s3rver-conditional.ts).
 */
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { addConditionalWrites } from './s3rver-conditional';
import { addCopySourceDecoding } from './s3rver-copy-source';
import { addMultipartApis } from './s3rver-multipart';

/** Where `npm start` keeps its local S3 data, relative to the repository root. */
export const DEFAULT_S3_DIRECTORY = path.resolve(__dirname, '..', '.local', 's3');

export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly bucket: string;
  /** The directory holding the buckets (kept after `close`). */
  readonly directory: string;
  /** The file s3rver stores an object's bytes in (the CSV itself, under an s3rver suffix). */
  objectPath(key: string): string;
  close(): Promise<void>;
}

export interface LocalS3Options {
  bucket: string;
  /** @default DEFAULT_S3_DIRECTORY */
  directory?: string;
  /** @default 0 (a free port) */
  port?: number;
}

// s3rver's on-disk layout: "<dir>/<bucket>/<encoded key>._S3rver_object". Its store class does
// the key encoding; it is not part of the typed API, hence the narrow local type.
interface FilesystemStoreStatic {
  encodeKeyPath(key: string): string;
}
const { encodeKeyPath } = require('s3rver/lib/stores/filesystem') as FilesystemStoreStatic;

/**
 * Starts s3rver on 127.0.0.1 with `bucket` created.
 *
 * @example
 * const s3 = await startLocalS3({ bucket: 'exports' });
 * const client = new S3Client(s3ClientConfig(s3.endpoint));
 * await s3.close();
 */
export const startLocalS3 = async (options: LocalS3Options): Promise<LocalS3> => {
  const directory = path.resolve(options.directory ?? DEFAULT_S3_DIRECTORY);
  const server = new S3rver({
    port: options.port ?? 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });
  // Without these, a failed copy could not abort its multipart upload locally.
  addMultipartApis(server);
  // Without these, the export ledger's conditional writes would all succeed and races go unseen.
  addConditionalWrites(server);
  // Last, so it runs first: the conditional writes lock the copy source's key as S3 would read it.
  addCopySourceDecoding(server);
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: options.bucket,
    directory,
    objectPath: (key) => {
      const parts = encodeKeyPath(key).split('/');
      const file = `${parts.pop() ?? ''}._S3rver_object`;
      return path.join(directory, options.bucket, ...parts, file);
    },
    close: () => server.close(),
  };
};
