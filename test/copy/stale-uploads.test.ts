/**
 * abortStaleUploads (lambdas/shared/copy/stale-uploads.ts) against s3rver with the multipart calls
 * it lacks (test/helpers/s3rver.ts): only uploads of exactly the key go, at most `max` per call,
 * one already gone is not counted. s3rver never pages ListMultipartUploads, so the paging rule alone
 * is checked on a mocked client.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { CopyLogger } from '../../lambdas/shared/copy/s3-publish';
import { abortStaleUploads } from '../../lambdas/shared/copy/stale-uploads';
import { startLocalS3, type LocalS3 } from '../helpers/s3rver';

describe('abortStaleUploads against s3rver', () => {
  let s3: LocalS3;
  let runNo = 0;
  beforeAll(async () => {
    s3 = await startLocalS3('stale-uploads');
  });
  afterAll(async () => {
    await s3?.close();
  });

  const keyOf = (): string => `run-${++runNo}/activity/contract=123456/2026-11-01_2026-11-08.csv`;

  /** What a killed copy leaves: an upload with one part, never completed nor aborted. */
  const leaveOpen = async (Key: string): Promise<string> => {
    const { UploadId } = await s3.s3Client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key }));
    await s3.s3Client.send(new UploadPartCommand({ Bucket: s3.bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 7) }));
    return UploadId!;
  };

  const openAt = async (prefix: string): Promise<Array<{ key: string; uploadId: string }>> =>
    (await s3.openUploads()).filter((u) => u.key.startsWith(prefix)).map(({ key, uploadId }) => ({ key, uploadId }));

  const recordingLogger = (): CopyLogger & { lines: Array<{ level: string; message: string; attributes: unknown }> } => {
    const lines: Array<{ level: string; message: string; attributes: unknown }> = [];
    return {
      lines,
      info: (message, attributes) => lines.push({ level: 'info', message, attributes }),
      warn: (message, attributes) => lines.push({ level: 'warn', message, attributes }),
    };
  };

  it("aborts every upload open at exactly the key and leaves longer keys' uploads alone", async () => {
    const key = keyOf();
    const mine = [await leaveOpen(key), await leaveOpen(key)];
    const longer = await leaveOpen(`${key}.tmp`);
    const logger = recordingLogger();

    expect(await abortStaleUploads(s3.s3Client, s3.bucket, key, logger)).toBe(2);

    expect(await openAt(key)).toEqual([{ key: `${key}.tmp`, uploadId: longer }]);
    expect(logger.lines.map((l) => [l.level, (l.attributes as { uploadId: string }).uploadId]).sort()).toEqual(
      mine.map((id) => ['info', id]).sort(),
    );
    expect(logger.lines[0]!.attributes).toEqual({ key, uploadId: expect.any(String), initiated: expect.any(String) });
  });

  it('aborts nothing, and says nothing, when no upload is open at the key', async () => {
    const key = keyOf();
    const logger = recordingLogger();
    expect(await abortStaleUploads(s3.s3Client, s3.bucket, key, logger)).toBe(0);
    expect(logger.lines).toEqual([]);
  });

  it('aborts at most `max` per call, warns that more remain, and the next call goes on', async () => {
    const key = keyOf();
    for (let i = 0; i < 3; i++) await leaveOpen(key);
    const logger = recordingLogger();

    expect(await abortStaleUploads(s3.s3Client, s3.bucket, key, logger, 2)).toBe(2);
    expect(await openAt(key)).toHaveLength(1);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', message: expect.stringMatching(/More multipart uploads are open/), attributes: { key, aborted: 2, max: 2 } },
    ]);

    expect(await abortStaleUploads(s3.s3Client, s3.bucket, key, undefined, 2)).toBe(1);
    expect(await openAt(key)).toEqual([]);
  });

  it('does not count an upload that is gone by the time it is aborted (NoSuchUpload)', async () => {
    const key = keyOf();
    await leaveOpen(key);
    // Another party aborts the upload between our listing and our abort.
    const racing = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'AbortMultipartUploadCommand')
          await s3.s3Client.send(new AbortMultipartUploadCommand(args.input as never));
        return next(args);
      },
      { step: 'initialize', name: 'abortFirst' },
    );

    expect(await abortStaleUploads(racing, s3.bucket, key)).toBe(0);
    expect(await openAt(key)).toEqual([]);
    racing.destroy();
  });
});

describe('abortStaleUploads: paging (S3 lists by key, then by initiation)', () => {
  let s3: ReturnType<typeof mockClient>;
  beforeAll(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.reset());
  afterAll(() => s3.restore());

  const KEY = 'p/seat/contract=1/2026-01-01_2026-01-02.csv';

  it("reads the next page only while a page ends on the key's own uploads", async () => {
    s3.on(ListMultipartUploadsCommand)
      .resolvesOnce({
        Uploads: [
          { Key: KEY, UploadId: 'u1' },
          { Key: KEY, UploadId: 'u2' },
        ],
        IsTruncated: true,
        NextKeyMarker: KEY,
        NextUploadIdMarker: 'u2',
      })
      .resolvesOnce({
        Uploads: [
          { Key: KEY, UploadId: 'u3' },
          { Key: `${KEY}.other`, UploadId: 'x1' },
        ],
        IsTruncated: true,
        NextKeyMarker: `${KEY}.other`,
        NextUploadIdMarker: 'x1',
      });
    s3.on(AbortMultipartUploadCommand).resolves({});

    expect(await abortStaleUploads(new S3Client({}), 'b', KEY)).toBe(3);

    const lists = s3.commandCalls(ListMultipartUploadsCommand).map((c) => c.args[0].input);
    expect(lists).toEqual([
      { Bucket: 'b', Prefix: KEY },
      { Bucket: 'b', Prefix: KEY, KeyMarker: KEY, UploadIdMarker: 'u2' },
    ]);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toEqual(
      ['u1', 'u2', 'u3'].map((UploadId) => ({ Bucket: 'b', Key: KEY, UploadId })),
    );
  });

  it('lists no further once `max` uploads are in hand', async () => {
    s3.on(ListMultipartUploadsCommand).resolves({
      Uploads: [
        { Key: KEY, UploadId: 'u1' },
        { Key: KEY, UploadId: 'u2' },
      ],
      IsTruncated: true,
      NextKeyMarker: KEY,
      NextUploadIdMarker: 'u2',
    });
    s3.on(AbortMultipartUploadCommand).resolves({});

    expect(await abortStaleUploads(new S3Client({}), 'b', KEY, undefined, 1)).toBe(1);
    expect(s3.commandCalls(ListMultipartUploadsCommand)).toHaveLength(1);
  });

  it('passes any other S3 failure of the abort through', async () => {
    s3.on(ListMultipartUploadsCommand).resolves({ Uploads: [{ Key: KEY, UploadId: 'u1' }] });
    s3.on(AbortMultipartUploadCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    await expect(abortStaleUploads(new S3Client({}), 'b', KEY)).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
