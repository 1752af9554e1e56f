/**
 * S3's conditional writes on the local S3 (local/s3rver-conditional.ts, wired in local/s3.ts),
 * through the real S3 client: create-if-absent, compare-and-swap on the ETag, the 404 of If-Match on
 * a missing key, and the per-key lock that makes check-and-write atomic under concurrency.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { type LocalS3, startLocalS3 } from '../../local/s3';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';
import { judgeConditions, normalizeEtag } from '../../local/s3rver-conditional';
import { rejectionOf } from '../helpers/rejection';

const BUCKET = 'conditional';

let dataDir: string;
let s3: LocalS3;
let client: S3Client;
let keyNo = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 's3rver-conditional-'));
  s3 = await startLocalS3({ bucket: BUCKET, directory: dataDir });
  client = new S3Client({ ...s3ClientConfig(s3.endpoint), credentials: S3RVER_CREDENTIALS });
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const newKey = (): string => `cond/contract=1/${++keyNo}.json`;

interface S3Failure extends Error {
  $metadata: { httpStatusCode?: number };
}

const put = (Key: string, Body: string, conditions: { IfMatch?: string; IfNoneMatch?: string } = {}) =>
  client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ...conditions }));

const get = async (Key: string): Promise<{ body: string; etag: string }> => {
  const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
  return { body: (await object.Body?.transformToString('utf8')) ?? '', etag: object.ETag ?? '' };
};

const failureOf = async (promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> => {
  const error = await rejectionOf<S3Failure>(promise);
  return { name: error.name, status: error.$metadata?.httpStatusCode };
};

const PRECONDITION_FAILED = { name: 'PreconditionFailed', status: 412 };

describe('judgeConditions (the rules, without a server)', () => {
  it('treats quoted, unquoted and weak ETags alike', () => {
    expect(['"abc"', 'abc', 'W/"abc"', ' "abc" '].map(normalizeEtag)).toEqual(['abc', 'abc', 'abc', 'abc']);
  });

  it.each([
    ['If-None-Match: * on a missing key', { ifNoneMatch: '*' }, undefined, undefined],
    ['If-None-Match: * on an existing key', { ifNoneMatch: '*' }, '"e1"', 412],
    ['If-Match on the current ETag, unquoted', { ifMatch: 'e1' }, '"e1"', undefined],
    ['If-Match on a stale ETag', { ifMatch: '"e0"' }, '"e1"', 412],
    ['If-Match: * on an existing key', { ifMatch: '*' }, '"e1"', undefined],
    ['If-Match on a missing key', { ifMatch: '"e1"' }, undefined, 404],
    ['If-Match: * on a missing key', { ifMatch: '*' }, undefined, 404],
    ['If-Match with a list holding the current ETag', { ifMatch: '"e0", "e1"' }, '"e1"', undefined],
    ['If-None-Match with an ETag (S3 takes only *)', { ifNoneMatch: '"e1"' }, undefined, 501],
    ['no condition', {}, '"e1"', undefined],
  ])('%s', (_name, conditions, current, status) => {
    expect(judgeConditions(conditions, current)?.status).toBe(status);
  });

  it('names the condition that failed', () => {
    expect(judgeConditions({ ifNoneMatch: '*' }, '"e"')).toMatchObject({ code: 'PreconditionFailed', condition: 'If-None-Match' });
    expect(judgeConditions({ ifMatch: '"x"' }, '"e"')).toMatchObject({ code: 'PreconditionFailed', condition: 'If-Match' });
    expect(judgeConditions({ ifMatch: '"x"' }, undefined)).toMatchObject({ code: 'NoSuchKey' });
  });
});

describe('PutObject with If-None-Match: *', () => {
  it('creates once; a second create-if-absent gets 412 PreconditionFailed and changes nothing', async () => {
    const key = newKey();
    const created = await put(key, 'first', { IfNoneMatch: '*' });
    expect(created.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    expect(await failureOf(put(key, 'second', { IfNoneMatch: '*' }))).toEqual(PRECONDITION_FAILED);
    expect(await get(key)).toEqual({ body: 'first', etag: created.ETag });
  });

  it('20 concurrent creates of one key: exactly one succeeds, the others get 412', async () => {
    const key = newKey();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => put(key, `writer-${i}`, { IfNoneMatch: '*' })));

    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, etag: r.value.ETag }] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect({ name: r.reason.name, status: r.reason.$metadata?.httpStatusCode }).toEqual(PRECONDITION_FAILED);
    }
    expect(await get(key)).toEqual({ body: `writer-${won[0]!.i}`, etag: won[0]!.etag });
  });
});

describe('PutObject with If-Match', () => {
  it('replaces the object when the ETag is current (quoted or not) and returns the new ETag', async () => {
    const key = newKey();
    const first = await put(key, 'v1');

    const second = await put(key, 'v2', { IfMatch: first.ETag });
    expect(second.ETag).not.toBe(first.ETag);
    expect(second.ETag).toBe((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag);

    const third = await put(key, 'v3', { IfMatch: normalizeEtag(second.ETag!) });
    expect(await get(key)).toEqual({ body: 'v3', etag: third.ETag });
  });

  it('refuses a stale ETag with 412 and keeps the current object', async () => {
    const key = newKey();
    const stale = await put(key, 'v1');
    const current = await put(key, 'v2');

    expect(await failureOf(put(key, 'lost update', { IfMatch: stale.ETag }))).toEqual(PRECONDITION_FAILED);
    expect(await get(key)).toEqual({ body: 'v2', etag: current.ETag });
  });

  it('answers 404 NoSuchKey on a missing key, and creates nothing', async () => {
    const key = newKey();
    expect(await failureOf(put(key, 'x', { IfMatch: '"d41d8cd98f00b204e9800998ecf8427e"' }))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await failureOf(put(key, 'x', { IfMatch: '*' }))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await failureOf(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).toEqual({ name: 'NotFound', status: 404 });
  });

  it('If-Match: * writes only over an existing object', async () => {
    const key = newKey();
    await put(key, 'v1');
    await put(key, 'v2', { IfMatch: '*' });
    expect((await get(key)).body).toBe('v2');
  });

  it('20 concurrent read-modify-write loops (retrying on 412) count to exactly 20: check-and-write is atomic', async () => {
    const key = newKey();
    await put(key, JSON.stringify({ counter: 0 }), { IfNoneMatch: '*' });
    let lostRaces = 0;

    const increment = async (): Promise<void> => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const { body, etag } = await get(key);
        const { counter } = JSON.parse(body) as { counter: number };
        try {
          await put(key, JSON.stringify({ counter: counter + 1 }), { IfMatch: etag });
          return;
        } catch (error) {
          if ((error as S3Failure).$metadata?.httpStatusCode !== 412) throw error;
          lostRaces += 1;
        }
      }
      throw new Error('no write won in 200 attempts');
    };
    await Promise.all(Array.from({ length: 20 }, increment));

    expect(JSON.parse((await get(key)).body)).toEqual({ counter: 20 });
    // The loops really raced (otherwise the test proves nothing about atomicity).
    expect(lostRaces).toBeGreaterThan(0);
  });
});

describe('reads and unconditional requests are unchanged', () => {
  it('unconditional PutObject overwrites; GET, HEAD and DeleteObject work', async () => {
    const key = newKey();
    await put(key, 'one');
    const two = await put(key, 'two');
    expect(await get(key)).toEqual({ body: 'two', etag: two.ETag });
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentLength).toBe(3);

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await failureOf(get(key))).toEqual({ name: 'NoSuchKey', status: 404 });
    // Deleting what is not there is a success, as in S3.
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  });

  it('a read racing writes of a large object gets one whole version, with its own ETag', async () => {
    const key = newKey();
    const size = 2 * 1024 * 1024;
    const versions = ['a', 'b', 'c', 'd', 'e', 'f'].map((fill) => Buffer.alloc(size, fill));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: versions[0] }));

    const writes = versions.slice(1).map((body) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })));
    const reads = Array.from({ length: 8 }, async () => {
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return { body: Buffer.from(await object.Body!.transformToByteArray()), etag: object.ETag };
    });
    await Promise.all(writes);

    for (const { body, etag } of await Promise.all(reads)) {
      expect(versions.some((v) => v.equals(body))).toBe(true);
      expect(etag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    }
  });
});

describe('a client that goes away', () => {
  it('mid-body frees the key at once (s3rver never settles that write)', async () => {
    const key = newKey();
    const body = new PassThrough();
    const controller = new AbortController();
    const cut = client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentLength: 1_000_000 }), {
      abortSignal: controller.signal,
    });
    body.write(Buffer.alloc(100_000, 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    await expect(cut).rejects.toMatchObject({ name: 'AbortError' });

    // Unconditional: s3rver may have left the cut-off bytes at the key (real S3 never would).
    const next = await put(key, 'after');
    expect(await get(key)).toEqual({ body: 'after', etag: next.ETag });
  }, 10_000);
});

describe('the other writes that take conditions', () => {
  it('DeleteObject with If-Match deletes only the current object; 404 on a missing key', async () => {
    const key = newKey();
    const stale = await put(key, 'v1');
    const current = await put(key, 'v2');

    expect(await failureOf(client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, IfMatch: stale.ETag })))).toEqual(
      PRECONDITION_FAILED,
    );
    expect((await get(key)).body).toBe('v2');

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, IfMatch: current.ETag }));
    expect(await failureOf(get(key))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await failureOf(client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, IfMatch: current.ETag })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
  });

  it('CopyObject with If-None-Match: * copies only to a free destination', async () => {
    const source = newKey();
    const target = newKey();
    await put(source, 'source bytes');
    // Encoded as the product sends it (local/s3rver-copy-source.ts makes s3rver decode it as S3 does).
    const copySource = `${BUCKET}/${source.split('/').map(encodeURIComponent).join('/')}`;

    await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: target, CopySource: copySource, IfNoneMatch: '*' }));
    expect((await get(target)).body).toBe('source bytes');

    expect(
      await failureOf(client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: target, CopySource: copySource, IfNoneMatch: '*' }))),
    ).toEqual(PRECONDITION_FAILED);
  });

  it('CompleteMultipartUpload with If-None-Match: * refuses an existing key and leaves the object as it was', async () => {
    const key = newKey();
    const existing = await put(key, 'already here');
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const part = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: 'late bytes' }));
    const complete = (IfNoneMatch?: string) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
          ...(IfNoneMatch ? { IfNoneMatch } : {}),
        }),
      );

    expect(await failureOf(complete('*'))).toEqual(PRECONDITION_FAILED);
    expect(await get(key)).toEqual({ body: 'already here', etag: existing.ETag });

    // The upload is still open, as in S3: an unconditional completion lands it.
    await complete();
    expect((await get(key)).body).toBe('late bytes');
  });
});
