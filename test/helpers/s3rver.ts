/**
 * A real local S3 for tests: s3rver on 127.0.0.1, a free port, a fresh temp directory and one
 * bucket. `close()` stops it and removes the directory.
 *
 * s3rver 3.7.1 does not implement ListMultipartUploads (`GET /bucket?uploads`) or
 * AbortMultipartUpload (`DELETE /bucket/key?uploadId=…`); it answers NotImplemented / 405. Both
 * matter here: lib-storage aborts failed uploads with the second, and tests prove "no orphaned
 * parts" with the first. So the helper adds the two operations in front of s3rver's router, on
 * top of s3rver's own upload store (`<bucket>/._S3rver_uploads/<uploadId>/{key,metadata,<part>}`),
 * with S3's XML shapes. {@link LocalS3.openUploads} reads the store directly as an independent
 * check.
 */
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

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

interface KoaLikeContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}
type KoaMiddleware = (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>;

const xmlEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const listUploadDirs = async (uploadsDir: string): Promise<Array<{ uploadId: string; key: string; initiated: Date }>> => {
  let ids: string[];
  try {
    ids = await readdir(uploadsDir);
  } catch {
    return [];
  }
  return Promise.all(
    ids.map(async (uploadId) => {
      const dir = path.join(uploadsDir, uploadId);
      // A part that lands after an abort recreates the folder without `key`: still a leak, still listed.
      const key = await readFile(path.join(dir, 'key'), 'utf8').catch(() => '');
      const initiated = (await stat(dir)).birthtime;
      return { uploadId, key, initiated };
    }),
  );
};

/** ListMultipartUploads and AbortMultipartUpload over s3rver's filesystem upload store. */
const multipartApis = (uploadsDirOf: (bucket: string) => string): KoaMiddleware =>
  async (ctx, next) => {
    const [, bucket, ...keyParts] = ctx.path.split('/');
    const key = keyParts.map(decodeURIComponent).join('/');
    if (ctx.method === 'GET' && bucket && !key && 'uploads' in ctx.query) {
      const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
      const uploads = (await listUploadDirs(uploadsDirOf(bucket))).filter((u) => u.key.startsWith(prefix));
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Bucket>${xmlEscape(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
        `<Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>` +
        uploads
          .map(
            (u) =>
              `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${xmlEscape(u.uploadId)}</UploadId>` +
              `<Initiated>${u.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
          )
          .join('') +
        '</ListMultipartUploadsResult>';
      ctx.status = 200;
      return;
    }
    const uploadId = ctx.query.uploadId;
    if (ctx.method === 'DELETE' && bucket && key && typeof uploadId === 'string') {
      if (!/^[A-Za-z0-9._-]+$/.test(uploadId)) {
        ctx.status = 400;
        return;
      }
      const dir = path.join(uploadsDirOf(bucket), uploadId);
      const exists = await stat(dir).then(() => true, () => false);
      if (!exists) {
        ctx.type = 'application/xml';
        ctx.status = 404;
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code>' +
          '<Message>The specified upload does not exist.</Message></Error>';
        return;
      }
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    await next();
  };

/**
 * Starts s3rver with one bucket.
 * @param bucket bucket name (default `test-bucket`)
 */
export const startLocalS3 = async (bucket = 'test-bucket'): Promise<LocalS3> => {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const internals = server as unknown as {
    middleware: KoaMiddleware[];
    store: { getResourcePath: (bucket: string, key: string | undefined, resource: string) => string };
  };
  // First in the chain, ahead of s3rver's router (which would answer NotImplemented).
  internals.middleware.unshift(multipartApis((b) => internals.store.getResourcePath(b, undefined, 'uploads')));

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
    openUploads: async () =>
      (await listUploadDirs(internals.store.getResourcePath(bucket, undefined, 'uploads'))).map(({ uploadId, key }) => ({
        uploadId,
        key,
      })),
    close: async () => {
      s3Client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
};
