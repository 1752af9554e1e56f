/**
 * The local S3 of `npm start` (local/s3.ts: s3rver with the multipart APIs, conditional writes and
 * copy-source decoding) with one more Koa middleware in front of all of them, recording every
 * request's operation, answer and arrival time. Counting at the server sees every client (the
 * runner's handlers, its Map Run emulation, its after-run check) without touching their code.
 */
import S3rver from 's3rver';
import { type LocalS3, type LocalS3Options, startLocalS3 } from '../../local/s3';
import { classifyS3Request, type S3RequestLine, type S3RequestRecord, s3RequestKey } from './s3-requests';

interface KoaLikeContext extends S3RequestLine {
  status: number;
}
type KoaMiddleware = (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>;

/** Epoch ms with sub-millisecond precision, comparable across processes on this machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/** Records each request once answered; a request that throws is recorded with the error's status. */
export const countingMiddleware =
  (record: (entry: S3RequestRecord) => void): KoaMiddleware =>
  async (ctx, next) => {
    const at = preciseNow();
    const operation = classifyS3Request(ctx);
    const key = s3RequestKey(ctx);
    let status: number | undefined;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      // s3rver's S3Errors carry their HTTP status; Koa's onerror answers with it after this.
      status = (error as { status?: unknown }).status === undefined ? 500 : Number((error as { status: unknown }).status);
      throw error;
    } finally {
      record({ operation, key, status: status ?? 500, at });
    }
  };

export interface CountingS3 extends LocalS3 {
  /** Every request since the last take, in arrival order; forgets them. */
  take(): S3RequestRecord[];
}

/**
 * Starts local/s3.ts's s3rver with the counter first in its middleware chain. startLocalS3 adds its
 * own middleware (each unshifted to the front) and then calls `run()`; the counter is unshifted as
 * that `run()` starts, so it sits in front of them all, and the setup stays local/s3.ts's own.
 */
export const startCountingS3 = async (options: LocalS3Options): Promise<CountingS3> => {
  let records: S3RequestRecord[] = [];
  const counter = countingMiddleware((entry) => records.push(entry));
  const prototype = S3rver.prototype as unknown as { run: (this: S3rver, ...args: unknown[]) => unknown };
  const run = prototype.run;
  prototype.run = function (this: S3rver, ...args: unknown[]) {
    (this as unknown as { middleware: KoaMiddleware[] }).middleware.unshift(counter);
    return run.apply(this, args);
  };
  let s3: LocalS3;
  try {
    s3 = await startLocalS3(options);
  } finally {
    prototype.run = run;
  }
  return {
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    directory: s3.directory,
    objectPath: (key) => s3.objectPath(key),
    close: () => s3.close(),
    take: () => {
      const taken = records;
      records = [];
      return taken;
    },
  };
};
