/**
 * s3rver 3.7.1 ignores `If-None-Match` and `If-Match` on writes, so every conditional write
 * succeeds and the export ledger (docs/design.md, "Exactly once") would lose its races silently.
 * This adds S3's conditional writes in front of s3rver's router: PutObject, CopyObject (the
 * destination) and CompleteMultipartUpload take `If-None-Match: *` (only if no object is there)
 * and `If-Match: <etag>` or `*` (only if the current object is that one, or any), and DeleteObject
 * takes `If-Match`. A failed condition answers S3's 412 PreconditionFailed; `If-Match` on a missing
 * key answers 404 NoSuchKey, as S3 does.
 *
 * Atomicity: real S3 may answer 409 ConditionalRequestConflict to one of two racing conditional
 * writes. Here a per-key lock serializes them instead: a write holds its key exclusively from the
 * check to the end of s3rver's write, so check-and-write is atomic against every other request to
 * that key on this server. Reads (GET, HEAD) share the lock until their response has been sent,
 * because s3rver rewrites an object's file in place: without the lock a read racing a write could
 * return half a ledger. Consequences: a client that never reads a large body holds that key until
 * its connection closes; a client that goes away mid-write frees the key at once, even though
 * s3rver may still finish that write outside the lock. The locks belong to one server: two s3rvers on one directory do not see
 * each other's (docs/design.md says so under "Not covered").
 *
 * The current ETag is read through s3rver's store (`getMetadata`: the quoted MD5 it keeps beside
 * the object), narrowly typed like local/s3rver-multipart.ts does.
 */
import type S3rver from 's3rver';
import type { ServerResponse } from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

interface KoaLikeContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  res: ServerResponse;
  status: number;
  body: unknown;
  type: string;
}
type KoaMiddleware = (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>;

interface S3rverInternals {
  middleware: KoaMiddleware[];
  store: {
    getBucket(bucket: string): Promise<unknown>;
    /** Rejects with ENOENT when there is no object at the key. */
    getMetadata(bucket: string, key: string): Promise<{ etag?: string }>;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  };
}

/** What a conditional request asks, header values as sent. */
export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** The answer to a failed condition, in S3's words. */
export interface Refusal {
  status: 404 | 412 | 501;
  code: 'NoSuchKey' | 'PreconditionFailed' | 'NotImplemented';
  message: string;
  condition?: 'If-Match' | 'If-None-Match';
}

/** `"abc"`, `abc` and `W/"abc"` are the same ETag to S3. */
export const normalizeEtag = (etag: string): string =>
  etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');

const preconditionFailed = (condition: Refusal['condition']): Refusal => ({
  status: 412,
  code: 'PreconditionFailed',
  message: 'At least one of the pre-conditions you specified did not hold',
  condition,
});

/**
 * Whether a write may go ahead, given the ETag of the object at its key (undefined: none).
 * `If-Match` is judged first: with both headers, one of them cannot hold anyway.
 * @returns undefined when the write may proceed
 */
export const judgeConditions = (conditions: Conditions, currentEtag: string | undefined): Refusal | undefined => {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined) {
    if (currentEtag === undefined) return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
    const wanted = ifMatch.split(',').map(normalizeEtag);
    if (!wanted.includes('*') && !wanted.includes(normalizeEtag(currentEtag))) return preconditionFailed('If-Match');
  }
  if (ifNoneMatch !== undefined) {
    // S3 accepts only `*` on writes; anything else is not something this stand-in pretends to do.
    if (ifNoneMatch.trim() !== '*') {
      return { status: 501, code: 'NotImplemented', message: 'A header you provided implies functionality that is not implemented' };
    }
    if (currentEtag !== undefined) return preconditionFailed('If-None-Match');
  }
  return undefined;
};

/**
 * A fair readers-writer lock per key: requests are granted in arrival order, readers side by side,
 * writers alone, so a stream of reads cannot starve a write.
 */
class KeyLocks {
  private readonly locks = new Map<string, { readers: number; writer: boolean; queue: Array<{ exclusive: boolean; grant: () => void }> }>();

  /** @returns a release function (idempotent) once the lock is held */
  acquire(id: string, exclusive: boolean): Promise<() => void> {
    let lock = this.locks.get(id);
    if (!lock) {
      lock = { readers: 0, writer: false, queue: [] };
      this.locks.set(id, lock);
    }
    const held = lock;
    return new Promise((resolve) => {
      held.queue.push({
        exclusive,
        grant: () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            if (exclusive) held.writer = false;
            else held.readers -= 1;
            this.pump(id);
          });
        },
      });
      this.pump(id);
    });
  }

  private pump(id: string): void {
    const lock = this.locks.get(id);
    if (!lock) return;
    for (let next = lock.queue[0]; next; next = lock.queue[0]) {
      if (lock.writer || (next.exclusive && lock.readers > 0)) break;
      lock.queue.shift();
      if (next.exclusive) lock.writer = true;
      else lock.readers += 1;
      next.grant();
    }
    if (!lock.writer && lock.readers === 0 && lock.queue.length === 0) this.locks.delete(id);
  }
}

// Query parameters that make a request about something other than the object's bytes.
const SUBRESOURCES = ['acl', 'tagging', 'uploads', 'uploadId', 'partNumber', 'legal-hold', 'retention', 'select', 'torrent'];

type Access =
  | { kind: 'write'; bucket: string; key: string; source?: { bucket: string; key: string }; conditional: boolean }
  | { kind: 'read'; bucket: string; key: string };

const headerOf = (ctx: KoaLikeContext, name: string): string | undefined => {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** The copy source exactly as s3rver reads it (controllers/object.js: decodeURI, leading `/` dropped). */
const copySourceOf = (header: string): { bucket: string; key: string } | undefined => {
  try {
    const [bucket = '', ...key] = decodeURI(header).replace(/^\//, '').split('/');
    return { bucket, key: key.join('/') };
  } catch {
    return undefined;
  }
};

/** Which object a request reads or writes (path-style addressing, as the local clients use). */
const accessOf = (ctx: KoaLikeContext): Access | undefined => {
  const [, bucket, ...keyParts] = ctx.path.split('/');
  if (!bucket || keyParts.length === 0) return undefined;
  let key: string;
  try {
    key = keyParts.map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
  if (!key) return undefined;
  const about = SUBRESOURCES.filter((name) => name in ctx.query);
  const conditional = headerOf(ctx, 'if-match') !== undefined || headerOf(ctx, 'if-none-match') !== undefined;
  switch (ctx.method) {
    case 'GET':
    case 'HEAD':
      return about.length === 0 ? { kind: 'read', bucket, key } : undefined;
    case 'PUT': {
      if (about.length > 0) return undefined;
      const copySource = headerOf(ctx, 'x-amz-copy-source');
      const source = copySource === undefined ? undefined : copySourceOf(copySource);
      return { kind: 'write', bucket, key, conditional, ...(source ? { source } : {}) };
    }
    case 'POST':
      // CompleteMultipartUpload (`?uploadId=`) writes the object; initiating one (`?uploads`) does not.
      return about.length === 1 && about[0] === 'uploadId' ? { kind: 'write', bucket, key, conditional } : undefined;
    case 'DELETE':
      return about.length === 0 ? { kind: 'write', bucket, key, conditional: headerOf(ctx, 'if-match') !== undefined } : undefined;
    default:
      return undefined;
  }
};

const xmlEscape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const refuse = (ctx: KoaLikeContext, refusal: Refusal, bucket: string, key: string): void => {
  ctx.status = refusal.status;
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${refusal.code}</Code><Message>${xmlEscape(refusal.message)}</Message>` +
    (refusal.condition ? `<Condition>${refusal.condition}</Condition>` : '') +
    (refusal.code === 'NoSuchKey' ? `<Key>${xmlEscape(key)}</Key>` : '') +
    `<Resource>${xmlEscape(`/${bucket}/${key}`)}</Resource></Error>`;
};

const isMissing = (error: unknown): boolean => (error as { code?: string } | undefined)?.code === 'ENOENT';

const lockIdOf = (bucket: string, key: string): string => JSON.stringify([bucket, key]);

/** Takes the locks one request needs, in one global order (a copy A→B and B→A cannot deadlock). */
const lockFor = async (locks: KeyLocks, access: Access): Promise<() => void> => {
  const wanted = new Map<string, boolean>([[lockIdOf(access.bucket, access.key), access.kind === 'write']]);
  if (access.kind === 'write' && access.source) {
    const id = lockIdOf(access.source.bucket, access.source.key);
    wanted.set(id, wanted.get(id) ?? false);
  }
  const releases: Array<() => void> = [];
  for (const [id, exclusive] of [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    releases.push(await locks.acquire(id, exclusive));
  }
  return () => {
    for (const release of releases.reverse()) release();
  };
};

const conditionalWrites =
  (store: S3rverInternals['store'], locks: KeyLocks): KoaMiddleware =>
  async (ctx, next) => {
    const access = accessOf(ctx);
    if (!access) return next();
    // The response closes once sent, and also when the client goes away. That must free the key
    // too: s3rver never settles a write whose request body was cut off, which would hold it forever.
    let closed = false;
    let release: (() => void) | undefined;
    ctx.res.once('close', () => {
      closed = true;
      release?.();
    });
    release = await lockFor(locks, access);
    if (closed) {
      release();
      return;
    }
    if (access.kind === 'read') {
      // Held until the body has gone out.
      try {
        await next();
      } catch (error) {
        release();
        throw error;
      }
      return;
    }
    try {
      // A missing bucket is s3rver's to answer (NoSuchBucket), not a missing key.
      if (access.conditional && (await store.getBucket(access.bucket))) {
        const currentEtag = await store.getMetadata(access.bucket, access.key).then(
          (metadata) => metadata.etag ?? '',
          (error: unknown) => {
            if (isMissing(error)) return undefined;
            throw error;
          },
        );
        const ifNoneMatch = ctx.method === 'DELETE' ? undefined : headerOf(ctx, 'if-none-match');
        const refusal = judgeConditions({ ifMatch: headerOf(ctx, 'if-match'), ifNoneMatch }, currentEtag);
        if (refusal) {
          refuse(ctx, refusal, access.bucket, access.key);
          return;
        }
      }
      // A completion writes the parts one after the other: its size is theirs, known only before.
      const uploadId = ctx.method === 'POST' ? ctx.query.uploadId : undefined;
      const completing =
        typeof uploadId === 'string' && /^[A-Za-z0-9._-]+$/.test(uploadId)
          ? await partsSize(path.join(store.getResourcePath(access.bucket, undefined, 'uploads'), uploadId))
          : undefined;
      await next();
      if (ctx.status === 200 && !access.source && (ctx.method === 'PUT' || ctx.method === 'POST')) {
        await untilWritten(
          store.getResourcePath(access.bucket, access.key, 'object'),
          ctx.method === 'PUT' ? bodyLengthOf(ctx) : completing,
        );
      }
    } finally {
      release();
    }
  };

/** The bytes a PutObject carries (aws-chunked bodies announce the decoded length apart). */
const bodyLengthOf = (ctx: KoaLikeContext): number | undefined => {
  const length = Number(headerOf(ctx, 'x-amz-decoded-content-length') ?? headerOf(ctx, 'content-length'));
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
};

/** The bytes of a multipart upload's parts (s3rver keeps each part as a file named by its number). */
const partsSize = async (uploadDir: string): Promise<number | undefined> => {
  try {
    const parts = (await readdir(uploadDir)).filter((name) => /^\d+$/.test(name));
    const sizes = await Promise.all(parts.map(async (name) => (await stat(path.join(uploadDir, name))).size));
    return sizes.reduce((sum, size) => sum + size, 0);
  } catch {
    return undefined;
  }
};

/** How long a PutObject's file may take to reach its full size after s3rver answered. */
const FLUSH_LIMIT_MS = 5_000;

/**
 * s3rver 3.7.1 answers a PutObject once the body has been read, not once its file is written:
 * `putObject` resolves on the hashing stream's 'finish' (or at once for a buffered body) while the
 * file stream that truncated the object is still writing. A GET right after the answer could read
 * a short or empty object, which real S3 never returns (a ledger read as "0 characters" was one).
 * The write therefore keeps its lock until the file has the body's size (a CompleteMultipartUpload,
 * which goes through the same `putObject`, the size of its parts).
 */
const untilWritten = async (file: string, bytes: number | undefined): Promise<void> => {
  if (bytes === undefined) return;
  const deadline = Date.now() + FLUSH_LIMIT_MS;
  while (Date.now() < deadline) {
    const size = await stat(file).then(
      (info) => info.size,
      () => -1,
    );
    if (size === bytes) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

/**
 * Adds S3's conditional writes (and the per-key lock that makes them atomic) to an s3rver, before
 * `run()`. It is put ahead of the middleware added so far: call it after `addMultipartApis`, so it
 * also sees the requests that one answers.
 */
export const addConditionalWrites = (server: S3rver): void => {
  const internals = server as unknown as S3rverInternals;
  internals.middleware.unshift(conditionalWrites(internals.store, new KeyLocks()));
};
