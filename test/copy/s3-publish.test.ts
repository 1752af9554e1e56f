import { Logger } from '@aws-lambda-powertools/logger';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CsvVerifyingStream } from '../../lambdas/shared/copy/csv-rows';
import {
  LINKEDIN_MAX_EXPORT_BYTES,
  S3_MAX_PARTS,
  SHA256_TAG,
  assertPartSizeFits,
  buildManifest,
  type LandedDayObject,
  formatS3Checksum,
  manifestVouchesFor,
  maxUploadBytes,
  objectMetadata,
  s3ChecksumOf,
  streamToObject,
  tagSha256,
  type CopyLogger,
  type VerifiedExport,
} from '../../lambdas/shared/copy/s3-publish';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { startLocalS3, type LocalS3 } from '../helpers/s3rver';

const MiB = 1024 * 1024;
const facts: VerifiedExport = {
  exportType: 'seat',
  contract: 'urn:li:contract:42',
  window: { startAt: Date.UTC(2026, 0, 1), endAt: Date.UTC(2026, 0, 2) },
  jobId: 5,
  jobIds: [3, 5],
  rows: 0,
  bytes: 61,
  sha256: 'ab'.repeat(32),
};

describe('assertPartSizeFits', () => {
  it('accepts the 8 MiB default and the 5 MiB minimum for a 3 GB export', () => {
    expect(() => assertPartSizeFits(8 * MiB)).not.toThrow();
    expect(() => assertPartSizeFits(5 * MiB)).not.toThrow();
    expect(Math.ceil(LINKEDIN_MAX_EXPORT_BYTES / (8 * MiB))).toBeLessThan(S3_MAX_PARTS / 10);
  });

  it('rejects a part below S3 minimum or too small for the largest object', () => {
    expect(() => assertPartSizeFits(5 * MiB - 1)).toThrow(/below S3's minimum/);
    expect(() => assertPartSizeFits(5 * MiB, 100 * 1024 ** 3)).toThrow(/cannot fit/);
  });

  it('states what one upload can carry: 10,000 parts', () => {
    expect(maxUploadBytes(16 * MiB)).toBe(160_000 * MiB);
  });
});

describe('object metadata, S3 checksum and manifest', () => {
  it('describes the export in ASCII metadata known before the first byte (no SHA-256: that is a tag)', () => {
    expect(objectMetadata(facts, { day: Date.UTC(2026, 0, 1), rows: facts.rows, bytes: facts.bytes })).toEqual({
      'job-id': '5',
      'job-ids': '3,5',
      'export-type': 'seat',
      contract: 'urn:li:contract:42',
      day: '2026-01-01',
      'window-start': '2026-01-01T00:00:00.000Z',
      'window-end': '2026-01-02T00:00:00.000Z',
      rows: '0',
      bytes: '61',
    });
  });

  it("picks S3's strongest checksum from a completed upload, with its type", () => {
    expect(s3ChecksumOf({ ETag: '"x"' })).toBeUndefined();
    expect(s3ChecksumOf({ ChecksumCRC32: 'AAAAAA==-3', ChecksumType: 'COMPOSITE' })).toEqual({
      algorithm: 'CRC32',
      value: 'AAAAAA==-3',
      type: 'COMPOSITE',
    });
    expect(s3ChecksumOf({ ChecksumCRC32: 'c', ChecksumSHA256: 's' })).toEqual({ algorithm: 'SHA256', value: 's' });
    expect(s3ChecksumOf({ ChecksumCRC32C: 'c', ChecksumCRC64NVME: 'n', ChecksumType: 'FULL_OBJECT' })?.algorithm).toBe('CRC64NVME');
    expect(formatS3Checksum({ algorithm: 'CRC32', value: 'q83v' })).toBe('CRC32:q83v');
  });

  const day = (uploaded: LandedDayObject['uploaded']): LandedDayObject => ({
    day: Date.UTC(2026, 0, 1),
    key: 'p/seat/contract=42/dt=2026-01-01/2026-01-01_2026-01-02.csv',
    rows: 0,
    bytes: 61,
    sha256: facts.sha256,
    uploaded,
  });

  it('builds a manifest that flags an empty export and records ETag and S3 checksum only when known', () => {
    const manifest = buildManifest(facts, 'b', [day({})], Date.UTC(2026, 0, 3, 4, 5, 6));
    expect(manifest).toMatchObject({
      manifestVersion: 2,
      empty: true,
      rows: 0,
      sha256: facts.sha256,
      copiedAt: '2026-01-03T04:05:06.000Z',
      objects: [{ day: '2026-01-01', object: 's3://b/p/seat/contract=42/dt=2026-01-01/2026-01-01_2026-01-02.csv', rows: 0, bytes: 61 }],
    });
    expect(manifest.objects[0]).not.toHaveProperty('s3Checksum');
    expect(manifest.objects[0]).not.toHaveProperty('s3ChecksumType');
    expect(manifest.objects[0]).not.toHaveProperty('etag');
    expect(manifest).not.toHaveProperty('extraColumns');
    const full = buildManifest(
      facts,
      'b',
      [day({ etag: '"e"', s3Checksum: { algorithm: 'CRC32', value: 'q83v-2', type: 'COMPOSITE' } })],
      0,
      {
        header: ['seatId'],
        extraColumns: ['newColumn'],
      },
    );
    expect(full.objects[0]).toMatchObject({ etag: '"e"', s3Checksum: 'CRC32:q83v-2', s3ChecksumType: 'COMPOSITE' });
    expect(full.objects[0]).not.toHaveProperty('versionId');
    expect(full).toMatchObject({ header: ['seatId'], extraColumns: ['newColumn'] });
  });

  it('names the version the upload completed, in a versioned bucket', () => {
    expect(buildManifest(facts, 'b', [day({ etag: '"e"', versionId: 'v-3' })], 0).objects[0]).toMatchObject({
      etag: '"e"',
      versionId: 'v-3',
    });
  });

  it("accepts Powertools' Logger as the copy's logger", () => {
    const logger: CopyLogger = new Logger({ serviceName: 'test' });
    expect(typeof logger.info).toBe('function');
  });
});

describe('manifestVouchesFor: does a manifest describe the object a HEAD found?', () => {
  const manifest = { etag: '"e1"', versionId: 'v1', sha256: facts.sha256 };

  it.each<[string, boolean, { etag?: string; versionId?: string }, Partial<typeof manifest>]>([
    ['same ETag and version', true, { etag: '"e1"', versionId: 'v1' }, {}],
    ['same ETag, one quoted and one not', true, { etag: 'e1', versionId: 'v1' }, {}],
    ['same ETag, another version (the same bytes written again)', false, { etag: '"e1"', versionId: 'v2' }, {}],
    ['another ETag, same version id', false, { etag: '"e2"', versionId: 'v1' }, {}],
    ['same ETag, the HEAD knows no version (unversioned read)', true, { etag: '"e1"' }, {}],
    [
      'same ETag, the manifest names no version (unversioned bucket, s3rver)',
      true,
      { etag: '"e1"', versionId: 'v9' },
      { versionId: undefined },
    ],
    ['another ETag, no versions anywhere', false, { etag: '"e2"' }, { versionId: undefined }],
    ['a manifest without an ETag', false, { etag: '"e1"', versionId: 'v1' }, { etag: undefined }],
    ['a HEAD without an ETag', false, { versionId: 'v1' }, {}],
  ])('%s → %s', (_name, vouches, head, change) => {
    const { etag, versionId, sha256 } = { ...manifest, ...change };
    expect(
      manifestVouchesFor({ sha256, ...(etag === undefined ? {} : { etag }), ...(versionId === undefined ? {} : { versionId }) }, head),
    ).toBe(vouches);
  });
});

/**
 * s3rver has no versioning, so which version the tag goes to is checked on the request the SDK
 * would send (a mocked client), not against a server.
 */
describe('tagSha256: the tag goes to the version the upload completed', () => {
  let s3: ReturnType<typeof mockClient>;
  beforeAll(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.reset());
  afterAll(() => s3.restore());

  it('passes the VersionId when the upload returned one', async () => {
    s3.on(PutObjectTaggingCommand).resolves({ VersionId: 'v-42' });
    await tagSha256(new S3Client({}), 'b', 'k.csv', facts.sha256, 'v-42');
    expect(s3.commandCalls(PutObjectTaggingCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'b', Key: 'k.csv', VersionId: 'v-42', Tagging: { TagSet: [{ Key: SHA256_TAG, Value: facts.sha256 }] } },
    ]);
  });

  it('tags the current object when there is no version (unversioned bucket, s3rver)', async () => {
    s3.on(PutObjectTaggingCommand).resolves({});
    await tagSha256(new S3Client({}), 'b', 'k.csv', facts.sha256);
    expect(s3.commandCalls(PutObjectTaggingCommand)[0]!.args[0].input).not.toHaveProperty('VersionId');
  });
});

/**
 * Controlled completion against a real S3 API (s3rver): a verifying stream that errors in its
 * `_flush` makes lib-storage abort instead of completing, for a body of several parts (the
 * multipart path) and for one smaller than a part (the PutObject path).
 */
describe('streamToObject: the object exists only if the stream ends cleanly', () => {
  let s3: LocalS3;
  let keyNo = 0;
  beforeAll(async () => {
    s3 = await startLocalS3('publish-bucket');
  });
  afterAll(async () => {
    await s3?.close();
  });

  const PART = 5 * MiB;
  const csv = (rows: number, width = 60): Buffer => {
    const line = `${'x'.repeat(width - 5)},1,2\n`;
    return Buffer.concat([Buffer.from('a,b,c\n'), Buffer.from(line.repeat(rows))]);
  };
  /** A download-like source: the body in 64 KiB chunks. */
  const source = (body: Buffer): Readable =>
    Readable.from(
      (function* () {
        for (let at = 0; at < body.length; at += 64 * 1024) yield body.subarray(at, at + 64 * 1024);
      })(),
    );
  const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');
  const head = (Key: string) => s3.s3Client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key }));
  const read = async (Key: string): Promise<Buffer> => {
    const got = await s3.s3Client.send(new GetObjectCommand({ Bucket: s3.bucket, Key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  };
  const noOpenUploads = async (): Promise<void> => {
    expect((await s3.s3Client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }))).Uploads ?? []).toEqual([]);
    expect(await s3.openUploads()).toEqual([]);
  };

  /** A client for the same s3rver that records the name of every command it sends. */
  const recording = (): { client: S3Client; sent: string[] } => {
    const sent: string[] = [];
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommandNames' },
    );
    return { client, sent };
  };

  const upload = (client: S3Client, key: string, body: Buffer, expectedDataRows: number) =>
    streamToObject({
      s3: client,
      bucket: s3.bucket,
      key,
      body: source(body).pipe(new CsvVerifyingStream({ expectedBytes: body.length, expectedDataRows })),
      metadata: { rows: String(expectedDataRows), bytes: String(body.length) },
      partSizeBytes: PART,
      queueSize: 2,
    });

  it('completes a verified multipart body with its metadata and content type, then takes the sha256 tag', async () => {
    const body = csv(200_000); // ~12 MB: three parts
    const key = `ok/${++keyNo}.csv`;
    const uploaded = await upload(s3.s3Client, key, body, 200_000);
    // s3rver's multipart ETag is a plain MD5 in quotes (real S3 adds -<parts>).
    expect(uploaded.etag).toMatch(/^"[0-9a-f]{32}(-\d+)?"$/);
    const object = await head(key);
    expect(object).toMatchObject({
      ContentType: 'text/csv',
      ContentLength: body.length,
      Metadata: { rows: '200000', bytes: String(body.length) },
    });
    await tagSha256(s3.s3Client, s3.bucket, key, sha256(body));
    const tags = await s3.s3Client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: key }));
    expect(tags.TagSet).toEqual([{ Key: SHA256_TAG, Value: sha256(body) }]);
    expect(sha256(await read(key))).toBe(sha256(body));
  });

  it.each([
    ['multipart-sized', 200_000, 'CreateMultipartUploadCommand', 'AbortMultipartUploadCommand'],
    ['single-part', 100, undefined, undefined],
  ])('a %s body that fails verification never appears at its key', async (_name, rows, created, aborted) => {
    const body = csv(rows);
    const key = `fail/${++keyNo}.csv`;
    const { client, sent } = recording();
    await expect(upload(client, key, body, rows + 1)).rejects.toMatchObject({ name: ERROR_NAMES.rowCount });
    await expect(head(key)).rejects.toMatchObject({ name: 'NotFound' });
    await noOpenUploads();
    // The multipart path uploaded parts and aborted; neither path ever completed or put the object.
    if (created) expect(sent).toContain(created);
    if (aborted) expect(sent).toContain(aborted);
    if (created) expect(sent.filter((n) => n === 'UploadPartCommand').length).toBeGreaterThanOrEqual(2);
    expect(sent).not.toContain('CompleteMultipartUploadCommand');
    expect(sent).not.toContain('PutObjectCommand');
    client.destroy();
  });

  it.each([
    ['multipart-sized', 200_000],
    ['single-part', 100],
  ])('a %s body that fails verification leaves the earlier object at its key untouched', async (_name, rows) => {
    const key = `keep/${++keyNo}.csv`;
    const good = Buffer.from('a,b,c\nold,1,2\n');
    await s3.s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: good, Metadata: { rows: '1' } }));
    await tagSha256(s3.s3Client, s3.bucket, key, sha256(good));
    const before = await head(key);

    const body = csv(rows);
    const short = body.subarray(0, body.length - 7); // the connection "ends cleanly" 7 bytes early
    await expect(
      streamToObject({
        s3: s3.s3Client,
        bucket: s3.bucket,
        key,
        body: source(short).pipe(new CsvVerifyingStream({ expectedBytes: body.length, expectedDataRows: rows })),
        metadata: { rows: String(rows) },
        partSizeBytes: PART,
        queueSize: 2,
      }),
    ).rejects.toMatchObject({ name: ERROR_NAMES.truncated });

    const after = await head(key);
    expect({ etag: after.ETag, length: after.ContentLength, metadata: after.Metadata }).toEqual({
      etag: before.ETag,
      length: good.length,
      metadata: { rows: '1' },
    });
    expect((await read(key)).equals(good)).toBe(true);
    const tags = await s3.s3Client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: key }));
    expect(tags.TagSet).toEqual([{ Key: SHA256_TAG, Value: sha256(good) }]);
    await noOpenUploads();
  });
});
