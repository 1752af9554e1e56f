/**
 * CopyObject's `x-amz-copy-source` is URL-encoded, and S3 decodes it fully: the SDK and the product
 * send `contract%3D123456/…` for `contract=123456/…`. s3rver 3.7.1 decodes it with `decodeURI`, which
 * leaves `%3D` (and every other reserved character) encoded, finds no such key and answers
 * NoSuchKey. Every product key holds `contract=`, so without this a local move of a superseded
 * object would find nothing to copy. The middleware re-encodes the header the way s3rver reads it.
 */
import type S3rver from 's3rver';

interface KoaLikeContext {
  headers: Record<string, string | string[] | undefined>;
}
type KoaMiddleware = (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>;

/** `bucket/contract%3D1/a.csv?versionId=x` → `bucket/contract=1/a.csv?versionId=x`, as `decodeURI` will read it back. */
export const reencodeCopySource = (header: string): string => {
  const queryAt = header.indexOf('?');
  const path = queryAt === -1 ? header : header.slice(0, queryAt);
  const query = queryAt === -1 ? '' : header.slice(queryAt);
  try {
    return encodeURI(decodeURIComponent(path)) + query;
  } catch {
    // Not valid percent-encoding: let s3rver answer it as it would.
    return header;
  }
};

const copySourceDecoding: KoaMiddleware = async (ctx, next) => {
  const source = ctx.headers['x-amz-copy-source'];
  if (typeof source === 'string') ctx.headers['x-amz-copy-source'] = reencodeCopySource(source);
  await next();
};

/** Makes s3rver decode CopyObject's source as S3 does; call last, so it runs first. */
export const addCopySourceDecoding = (server: S3rver): void => {
  (server as unknown as { middleware: KoaMiddleware[] }).middleware.unshift(copySourceDecoding);
};
