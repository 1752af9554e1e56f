/**
 * s3rver 3.7.1 does not implement ListMultipartUploads (`GET /bucket?uploads`) or
 * AbortMultipartUpload (`DELETE /bucket/key?uploadId=…`); it answers NotImplemented / 405. Both
 * matter here: lib-storage aborts failed uploads with the second, and tests prove "no orphaned
 * parts" with the first. So the helper adds the two operations in front of s3rver's router, on
 * top of s3rver's own upload store (`<bucket>/._S3rver_uploads/<uploadId>/{key,metadata,<part>}`),
 * with S3's XML shapes. {@link openMultipartUploads} reads the store directly, as an independent
 * check that no parts were orphaned.
 */
import type S3rver from 's3rver';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';

interface KoaLikeContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}
type KoaMiddleware = (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>;

const xmlEscape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

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
const multipartApis =
  (uploadsDirOf: (bucket: string) => string): KoaMiddleware =>
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
      const exists = await stat(dir).then(
        () => true,
        () => false,
      );
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

interface S3rverInternals {
  middleware: KoaMiddleware[];
  store: { getResourcePath: (bucket: string, key: string | undefined, resource: string) => string };
}
const internalsOf = (server: S3rver) => server as unknown as S3rverInternals;

/** Adds ListMultipartUploads and AbortMultipartUpload to an s3rver, before `run()`. */
export const addMultipartApis = (server: S3rver): void => {
  const internals = internalsOf(server);
  // First in the chain, ahead of s3rver's router (which would answer NotImplemented).
  internals.middleware.unshift(multipartApis((b) => internals.store.getResourcePath(b, undefined, 'uploads')));
};

/** Multipart uploads still open in `bucket`, read from s3rver's store (not via the API). */
export const openMultipartUploads = async (server: S3rver, bucket: string): Promise<Array<{ uploadId: string; key: string }>> =>
  (await listUploadDirs(internalsOf(server).store.getResourcePath(bucket, undefined, 'uploads'))).map(({ uploadId, key }) => ({
    uploadId,
    key,
  }));
