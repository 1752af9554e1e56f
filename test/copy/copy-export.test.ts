/**
 * The copy engine end to end: a real s3rver, a loopback HTTP server for the download (with the
 * faults injected precisely), and the LinkedIn job GET as a scripted function.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { copyExport, type CopyDeps, type CopyRequest } from '../../lambdas/shared/copy/copy-export';
import { ERROR_NAMES, NamedError } from '../../lambdas/shared/contract/error-names';
import { LinkedInClient } from '../../lambdas/shared/linkedin/client';
import type { ExportJob } from '../../lambdas/shared/linkedin/schemas';
import { dayObjectKey, manifestKey as manifestKeyOf } from '../../lambdas/shared/contract/layout';
import { startLocalS3, type LocalS3 } from '../helpers/s3rver';
import {
  chunked,
  cutAfter,
  gzipped,
  hang,
  overAnnounce,
  redirect,
  serve,
  stallAfter,
  startDownloadServer,
  status,
  type DownloadServer,
  type Handler,
} from './download-server';

const DAY = 86_400_000;
const CONTRACT = 'urn:li:contract:123456';
// One day: the streamed path (a longer window is split into day objects: test/copy/day-split.test.ts).
const WINDOW = { startAt: Date.UTC(2026, 10, 1), endAt: Date.UTC(2026, 10, 1) + DAY };
const JOB_ID = 987654321012;
const SECRET = 'x-li-ambry-ep=SECRET-SIGNATURE-42';
const MiB = 1024 * 1024;

let s3: LocalS3;
let web: DownloadServer;
let testNo = 0;

beforeAll(async () => {
  [s3, web] = await Promise.all([startLocalS3('copy-bucket'), startDownloadServer()]);
});
afterAll(async () => {
  await Promise.all([s3?.close(), web?.close()]);
});
beforeEach(() => web.reset());

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/** Polls `done` every 10 ms; fails after `timeoutMs`. */
const waitUntil = async (done: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const activityCsv = (rows: number): Buffer => {
  const lines = ['activityId,activityType,createdAt,seatId,memberIdentityKey'];
  for (let i = 0; i < rows; i++) {
    lines.push(`act-${i},VIEWED_PROFILE,11-0${(i % 7) + 1}-2026 10:00:0${i % 10},${1000 + (i % 13)},${i % 4 === 0 ? '' : `member-${i}`}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
};

/** `url` of the download server, with an opaque signed-looking query that must never leak. */
const urlFor = (path: string): string => `${web.origin}${path}?${SECRET}`;

interface Scripted {
  getJob: CopyDeps['getJob'];
  calls: () => number;
}

/** LinkedIn's job GET, answering the given jobs in turn (the last one repeats). */
const scriptedJobs = (...jobs: Array<Partial<ExportJob>>): Scripted => {
  let calls = 0;
  return {
    getJob: async (jobId) => {
      const job = jobs[Math.min(calls, jobs.length - 1)]!;
      calls += 1;
      return { id: jobId, status: 'COMPLETED', expireAt: Date.now() + 3_600_000, ...job };
    },
    calls: () => calls,
  };
};

const logLines: string[] = [];
const baseDeps = (getJob: CopyDeps['getJob'], overrides: Partial<CopyDeps> = {}): CopyDeps => ({
  getJob,
  s3: s3.s3Client,
  bucket: s3.bucket,
  keyPrefix: `run-${++testNo}/`,
  checksumFromS3: false,
  // The test server's origin, port included: a bare "127.0.0.1" would mean https on port 443.
  allowedHosts: [web.origin, 'www.linkedin.com'],
  allowHttpLoopback: true,
  remainingTimeMs: () => 600_000,
  safetyMarginMs: 30_000,
  urlMinRemainingMs: 300_000,
  maxUrlRefreshes: 2,
  partSizeBytes: 5 * MiB,
  queueSize: 2,
  now: () => Date.now(),
  logger: {
    info: (message, attributes) => logLines.push(JSON.stringify({ message, attributes })),
    warn: (message, attributes) => logLines.push(JSON.stringify({ message, attributes })),
  },
  ...overrides,
});

const request = (overrides: Partial<CopyRequest> = {}): CopyRequest => ({
  exportType: 'activity',
  contract: CONTRACT,
  window: WINDOW,
  jobId: JOB_ID,
  jobIds: [JOB_ID - 1, JOB_ID],
  ...overrides,
});

const keysOf = (deps: CopyDeps) => ({
  csvKey: dayObjectKey(deps.keyPrefix, 'activity', CONTRACT, WINDOW.startAt),
  manifestKey: manifestKeyOf(deps.keyPrefix, 'activity', CONTRACT, WINDOW),
});

const listUnder = async (prefix: string): Promise<string[]> => {
  const listed = await s3.s3Client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
};

/** Nothing at the final key, nothing else under the run's prefix, no open multipart upload. */
const expectNothingLanded = async (deps: CopyDeps): Promise<void> => {
  await expect(s3.s3Client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: keysOf(deps).csvKey }))).rejects.toMatchObject({
    name: 'NotFound',
  });
  expect(await listUnder(deps.keyPrefix)).toEqual([]);
  const open = await s3.s3Client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
  expect(open.Uploads ?? []).toEqual([]);
  expect(await s3.openUploads()).toEqual([]);
};

/** Runs the copy expecting a named failure; checks the URL never leaked into the message or logs. */
const expectCopyFailure = async (deps: CopyDeps, name: string, req = request()): Promise<NamedError> => {
  logLines.length = 0;
  const error = await copyExport(req, deps).then(
    () => {
      throw new Error(`expected ${name}, the copy succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NamedError);
  expect(error).toMatchObject({ name });
  const named = error as NamedError;
  expect(named.message).not.toContain('SECRET');
  // The origin may be named (the allowlist is), a URL on it never: it always goes on with a "/".
  expect(named.message).not.toContain(`${web.origin}/`);
  expect(logLines.join('\n')).not.toContain('SECRET');
  await expectNothingLanded(deps);
  return named;
};

/**
 * A client for the same s3rver that records the name and input of every command it sends.
 * `s3Checksum`: s3rver computes no checksums, so this adds the fields real S3 returns to
 * CompleteMultipartUpload's and PutObject's output (and only those).
 */
const recordingClient = (s3Checksum?: {
  ChecksumCRC32: string;
  ChecksumType: 'COMPOSITE' | 'FULL_OBJECT';
}): { client: S3Client; sent: string[]; inputs: Map<string, unknown> } => {
  const sent: string[] = [];
  const inputs = new Map<string, unknown>();
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      inputs.set(String(context.commandName), args.input);
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
  if (s3Checksum) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'CompleteMultipartUploadCommand' || context.commandName === 'PutObjectCommand') {
          Object.assign(result.output as object, s3Checksum);
        }
        return result;
      },
      { step: 'initialize', name: 'addS3Checksum' },
    );
  }
  return { client, sent, inputs };
};
const count = (names: string[], name: string): number => names.filter((n) => n === name).length;

const sha256TagOf = async (key: string): Promise<string | undefined> => {
  const tags = await s3.s3Client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: key }));
  expect(tags.TagSet?.map((t) => t.Key)).toEqual(['sha256']);
  return tags.TagSet?.[0]?.Value;
};

const readObject = async (key: string): Promise<Buffer> => {
  const got = await s3.s3Client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
};

describe('copyExport: success', () => {
  it('lands the CSV at its final key with metadata, a sha256 tag and a manifest, verified', async () => {
    const body = activityCsv(25);
    web.on('/ok', serve(body));
    const jobs = scriptedJobs({ downloadUrl: urlFor('/ok'), rowCount: 25 });
    const deps = baseDeps(jobs.getJob);
    const progress: number[] = [];
    deps.onProgress = (p) => progress.push(p.bytes);

    const outcome = await copyExport(request(), deps);

    const { csvKey, manifestKey } = keysOf(deps);
    expect(outcome).toMatchObject({
      rowCount: 25,
      bytes: body.length,
      sha256: sha256(body),
      s3Uri: `s3://${s3.bucket}/${csvKey}`,
      manifestUri: `s3://${s3.bucket}/${manifestKey}`,
      empty: false,
    });
    expect(outcome.days[0]?.s3Checksum).toBeUndefined();
    expect(outcome.seconds).toBeGreaterThanOrEqual(0);
    expect((await readObject(csvKey)).equals(body)).toBe(true);

    const head = await s3.s3Client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: csvKey }));
    // What the ledger records: the keys, and the ETag the upload completed (s3rver has no versions).
    expect(outcome).toMatchObject({ manifestKey, staleUploadsAborted: 0 });
    expect(outcome.days).toMatchObject([{ key: csvKey, etag: head.ETag }]);
    expect(outcome).not.toHaveProperty('versionId');
    expect(head.ContentType).toBe('text/csv');
    expect(head.Metadata).toMatchObject({
      'job-id': String(JOB_ID),
      'job-ids': `${JOB_ID - 1},${JOB_ID}`,
      'export-type': 'activity',
      contract: CONTRACT,
      day: '2026-11-01',
      'window-start': '2026-11-01T00:00:00.000Z',
      'window-end': '2026-11-02T00:00:00.000Z',
      rows: '25',
      bytes: String(body.length),
    });
    expect(head.Metadata).not.toHaveProperty('sha256');
    expect(await sha256TagOf(csvKey)).toBe(sha256(body));

    const manifest = JSON.parse((await readObject(manifestKey)).toString('utf8'));
    expect(manifest).toMatchObject({
      manifestVersion: 2,
      exportType: 'activity',
      contract: CONTRACT,
      jobId: JOB_ID,
      jobIds: [JOB_ID - 1, JOB_ID],
      window: { startAt: '2026-11-01T00:00:00.000Z', endAt: '2026-11-02T00:00:00.000Z', startAtMs: WINDOW.startAt, endAtMs: WINDOW.endAt },
      rows: 25,
      bytes: body.length,
      sha256: sha256(body),
      empty: false,
    });
    // A one-day window's object is LinkedIn's file byte for byte.
    expect(manifest.objects).toEqual([
      { day: '2026-11-01', object: outcome.s3Uri, rows: 25, bytes: body.length, sha256: sha256(body), etag: head.ETag },
    ]);
    expect(Number.isNaN(Date.parse(manifest.copiedAt))).toBe(false);

    expect(await listUnder(deps.keyPrefix)).toEqual([csvKey, manifestKey].sort());
    expect(await s3.openUploads()).toEqual([]);
    expect(jobs.calls()).toBe(1);
    expect(progress.at(-1)).toBe(body.length);
    // The bearer token is for LinkedIn's hosts only: never sent to this loopback host.
    expect(web.headersOf('/ok')[0]?.authorization).toBeUndefined();
    expect(web.headersOf('/ok')[0]?.['accept-encoding']).toBe('identity');
  });

  it('counts quoted fields that hold newlines as one row each', async () => {
    const body = Buffer.from(
      'activityId,activityType,createdAt,seatId,memberIdentityKey\r\n' +
        'a1,X,11-01-2026 00:00:00,1,"first line\r\nsecond line"\r\n' +
        'a2,X,11-01-2026 00:00:00,2,"say ""hi""\nand bye"\r\n' +
        'a3,X,11-01-2026 00:00:00,3,plain\r\n',
    );
    web.on('/quoted', serve(body));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/quoted'), rowCount: 3 }).getJob);
    const outcome = await copyExport(request(), deps);
    expect(outcome).toMatchObject({ rowCount: 3, bytes: body.length, sha256: sha256(body), empty: false });
  });

  it('copies a header-only file and flags it empty', async () => {
    const body = Buffer.from('activityId,activityType,createdAt,seatId,memberIdentityKey\r\n');
    web.on('/header-only', serve(body));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/header-only'), rowCount: 0 }).getJob);
    const outcome = await copyExport(request(), deps);
    expect(outcome).toMatchObject({ rowCount: 0, bytes: body.length, empty: true });
    const manifest = JSON.parse((await readObject(keysOf(deps).manifestKey)).toString('utf8'));
    expect(manifest).toMatchObject({ rows: 0, empty: true });
  });

  it('copies a zero-byte body when LinkedIn reports 0 rows', async () => {
    web.on('/empty', serve(Buffer.alloc(0)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/empty'), rowCount: 0 }).getJob);
    const outcome = await copyExport(request(), deps);
    expect(outcome).toMatchObject({ rowCount: 0, bytes: 0, empty: true, sha256: sha256(Buffer.alloc(0)) });
  });

  it('streams a body bigger than the part size through a multipart upload', async () => {
    const row = Buffer.from('act-xxxxxxxx,VIEWED_PROFILE,11-01-2026 10:00:00,1000,member-abcdefghij\n');
    const rows = Math.ceil((12 * 1024 * 1024) / row.length);
    const body = Buffer.concat([
      Buffer.from('activityId,activityType,createdAt,seatId,memberIdentityKey\n'),
      Buffer.alloc(rows * row.length),
    ]);
    for (let i = 0; i < rows; i++) row.copy(body, body.length - (rows - i) * row.length);
    web.on('/big', serve(body));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/big'), rowCount: rows }).getJob);

    const outcome = await copyExport(request(), deps);

    expect(body.length).toBeGreaterThan(2 * deps.partSizeBytes);
    expect(outcome).toMatchObject({ rowCount: rows, bytes: body.length, sha256: sha256(body) });
    expect(sha256(await readObject(keysOf(deps).csvKey))).toBe(sha256(body));
    expect(await s3.openUploads()).toEqual([]);
  });

  it('follows a redirect within the allowlist', async () => {
    const body = activityCsv(3);
    web.on('/hop', redirect('/target?sig=1'));
    web.on('/target', serve(body));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/hop'), rowCount: 3 }).getJob);
    await expect(copyExport(request(), deps)).resolves.toMatchObject({ rowCount: 3, sha256: sha256(body) });
    expect(web.hits('/target')).toBe(1);
  });

  it('writes every byte once, at the final key: no staging object, no server-side copy, no delete, no read', async () => {
    const body = activityCsv(2);
    web.on('/c', serve(body));
    const { client, sent, inputs } = recordingClient();
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/c'), rowCount: 2 }).getJob, { s3: client });
    await copyExport(request(), deps);
    const { csvKey, manifestKey } = keysOf(deps);
    // The one listing looks for uploads a killed copy left at the key (none here).
    expect(sent).toEqual(['ListMultipartUploadsCommand', 'PutObjectCommand', 'PutObjectTaggingCommand', 'PutObjectCommand']);
    expect(inputs.get('ListMultipartUploadsCommand')).toMatchObject({ Bucket: s3.bucket, Prefix: csvKey });
    // The CSV's one PutObject went to the final key with the metadata and LinkedIn's claims.
    // s3rver returns no VersionId, so the tag goes to the current object.
    expect(inputs.get('PutObjectTaggingCommand')).toMatchObject({
      Bucket: s3.bucket,
      Key: csvKey,
      Tagging: { TagSet: [{ Key: 'sha256', Value: sha256(body) }] },
    });
    expect(inputs.get('PutObjectTaggingCommand')).not.toHaveProperty('VersionId');
    expect(inputs.get('PutObjectCommand')).toMatchObject({ Key: manifestKey, ContentType: 'application/json' });
    expect(await listUnder(deps.keyPrefix)).toEqual([csvKey, manifestKey].sort());
    client.destroy();
  });

  it('starts a multipart upload at the final key with the metadata, and records the checksum real S3 returns', async () => {
    const body = activityCsv(200_000); // > 12 MB: three 5 MiB parts
    web.on('/mp', serve(body));
    const { client, sent, inputs } = recordingClient({ ChecksumCRC32: 'q83vEg==-3', ChecksumType: 'COMPOSITE' });
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/mp'), rowCount: 200_000 }).getJob, { s3: client, checksumFromS3: true });
    const outcome = await copyExport(request(), deps);
    const { csvKey, manifestKey } = keysOf(deps);
    expect(inputs.get('CreateMultipartUploadCommand')).toMatchObject({
      Key: csvKey,
      ContentType: 'text/csv',
      Metadata: { 'job-id': String(JOB_ID), rows: '200000', bytes: String(body.length) },
    });
    // No algorithm of ours (docs/design.md, "Why it is built this way"): lib-storage adds the SDK's default CRC32 (WHEN_SUPPORTED).
    expect(inputs.get('CreateMultipartUploadCommand')).toMatchObject({ ChecksumAlgorithm: 'CRC32' });
    expect(count(sent, 'CompleteMultipartUploadCommand')).toBe(1);
    expect(sent.slice(-2)).toEqual(['PutObjectTaggingCommand', 'PutObjectCommand']);
    expect(outcome.days[0]?.s3Checksum).toBe('CRC32:q83vEg==-3');
    const manifest = JSON.parse((await readObject(manifestKey)).toString('utf8'));
    expect(manifest).toMatchObject({ sha256: sha256(body) });
    expect(manifest.objects[0]).toMatchObject({ s3Checksum: 'CRC32:q83vEg==-3', s3ChecksumType: 'COMPOSITE', sha256: sha256(body) });
    expect(await sha256TagOf(csvKey)).toBe(sha256(body));
    client.destroy();
  });

  it('in a versioned bucket, tags the version the upload completed and names it in the manifest and the outcome', async () => {
    const body = activityCsv(3);
    web.on('/versioned', serve(body));
    const { client, inputs } = recordingClient();
    // s3rver has no versioning: add the VersionId real S3 returns to the upload's output.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutObjectCommand' && (args.input as { ContentType?: string }).ContentType === 'text/csv') {
          Object.assign(result.output as object, { VersionId: 'v-7' });
        }
        return result;
      },
      { step: 'initialize', name: 'addVersionId' },
    );
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/versioned'), rowCount: 3 }).getJob, { s3: client });

    const outcome = await copyExport(request(), deps);

    expect(outcome.days[0]).toMatchObject({ versionId: 'v-7', etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(inputs.get('PutObjectTaggingCommand')).toMatchObject({ Key: keysOf(deps).csvKey, VersionId: 'v-7' });
    const manifest = JSON.parse((await readObject(keysOf(deps).manifestKey)).toString('utf8'));
    expect(manifest.objects[0]).toMatchObject({ versionId: 'v-7', etag: outcome.days[0]?.etag });
    client.destroy();
  });

  it('keeps no S3 checksum when checksumFromS3 is off (s3rver, local stand-ins)', async () => {
    web.on('/nc', serve(activityCsv(2)));
    const { client } = recordingClient({ ChecksumCRC32: 'q83vEg==', ChecksumType: 'FULL_OBJECT' });
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/nc'), rowCount: 2 }).getJob, { s3: client });
    const outcome = await copyExport(request(), deps);
    expect(outcome.days[0]?.s3Checksum).toBeUndefined();
    expect(JSON.parse((await readObject(keysOf(deps).manifestKey)).toString('utf8'))).not.toHaveProperty('s3Checksum');
    client.destroy();
  });

  it("first aborts the uploads a killed copy left open at its key, and only that key's", async () => {
    const body = activityCsv(6);
    web.on('/after-kill', serve(body));
    const { client, sent } = recordingClient();
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/after-kill'), rowCount: 6 }).getJob, { s3: client });
    const { csvKey } = keysOf(deps);
    // What a copy killed mid-upload leaves: an upload of the key with one part. And an upload of a
    // longer key sharing the prefix, which ListMultipartUploads(Prefix=key) also returns.
    const leaveOpen = async (Key: string): Promise<string> => {
      const { UploadId } = await s3.s3Client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key }));
      await s3.s3Client.send(new UploadPartCommand({ Bucket: s3.bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 1) }));
      return UploadId!;
    };
    await leaveOpen(csvKey);
    const longerKey = `${csvKey}.bak`;
    const longerUpload = await leaveOpen(longerKey);
    logLines.length = 0;

    const outcome = await copyExport(request(), deps);

    expect(outcome).toMatchObject({ staleUploadsAborted: 1, rowCount: 6, sha256: sha256(body) });
    const open = await s3.s3Client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: deps.keyPrefix }));
    expect((open.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toEqual([[longerKey, longerUpload]]);
    // Aborted before the copy's own upload began.
    expect(sent.slice(0, 3)).toEqual(['ListMultipartUploadsCommand', 'AbortMultipartUploadCommand', 'PutObjectCommand']);
    expect(logLines.filter((l) => l.includes('Aborted a multipart upload'))).toHaveLength(1);
    expect((await readObject(csvKey)).equals(body)).toBe(true);

    // Leave the bucket as the other tests expect it: no upload open anywhere.
    await s3.s3Client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: longerKey, UploadId: longerUpload }));
    client.destroy();
  });

  it('re-running a window overwrites its object instead of adding another', async () => {
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/v'), rowCount: 1 }).getJob);
    web.on('/v', serve(activityCsv(1)));
    await copyExport(request(), deps);
    const second = activityCsv(1);
    second[second.lastIndexOf('VIEWED_PROFILE')] = 0x5a; // same shape, one byte different
    web.on('/v', serve(second));
    const outcome = await copyExport(request(), deps);
    expect(outcome.sha256).toBe(sha256(second));
    expect(await sha256TagOf(keysOf(deps).csvKey)).toBe(sha256(second));
    expect(await listUnder(deps.keyPrefix)).toHaveLength(2);
  });
});

describe('copyExport: a re-run that fails verification leaves the earlier export untouched', () => {
  /** Everything a reader sees of one export: bytes, ETag, metadata, tag and manifest. */
  const snapshotOf = async (deps: CopyDeps) => {
    const { csvKey, manifestKey } = keysOf(deps);
    const head = await s3.s3Client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: csvKey }));
    return {
      sha256: sha256(await readObject(csvKey)),
      etag: head.ETag,
      metadata: head.Metadata,
      tag: await sha256TagOf(csvKey),
      manifest: (await readObject(manifestKey)).toString('utf8'),
    };
  };

  const big = activityCsv(200_000); // > 12 MB: a multipart upload of three 5 MiB parts
  const small = activityCsv(4); // one PutObject
  const cutInLastRecord = small.subarray(0, small.lastIndexOf(',VIEWED_PROFILE') + ',VIEWED_PROFILE'.length);

  it.each<[string, Buffer, number, Handler, string]>([
    ['a multipart-sized body with one row too many', big, 200_000, serve(activityCsv(200_001)), ERROR_NAMES.rowCount],
    ['a multipart-sized body that keeps dropping near its end', big, 200_000, cutAfter(big, big.length - 500), ERROR_NAMES.truncated],
    ['a single-part body cut inside its last record', small, 4, serve(cutInLastRecord), ERROR_NAMES.truncated],
  ])('%s', async (_name, good, rowCount, rerun, name) => {
    const path = `/rerun-${testNo}`;
    web.on(path, serve(good));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor(path), rowCount }).getJob);
    await copyExport(request(), deps);
    const before = await snapshotOf(deps);
    expect(before).toMatchObject({ sha256: sha256(good), tag: sha256(good), metadata: { rows: String(rowCount) } });

    web.on(path, rerun);
    await expect(copyExport(request(), deps)).rejects.toMatchObject({ name });
    expect(await snapshotOf(deps)).toEqual(before);
    expect(await listUnder(deps.keyPrefix)).toEqual([keysOf(deps).csvKey, keysOf(deps).manifestKey].sort());
    expect(await s3.openUploads()).toEqual([]);
  });
});

describe('copyExport: the URL guard', () => {
  it('refreshes a URL that expires too soon by GETting the job again, then copies', async () => {
    const body = activityCsv(4);
    web.on('/fresh', serve(body));
    const jobs = scriptedJobs(
      { downloadUrl: urlFor('/stale'), expireAt: Date.now() - 1_000, rowCount: 4 },
      { downloadUrl: urlFor('/fresh'), rowCount: 4 },
    );
    const deps = baseDeps(jobs.getJob);
    await expect(copyExport(request(), deps)).resolves.toMatchObject({ rowCount: 4, sha256: sha256(body) });
    expect(jobs.calls()).toBe(2);
    expect(web.hits('/stale')).toBe(0);
  });

  it('refreshes after a 403 at the start of the download', async () => {
    const body = activityCsv(2);
    web.on('/expired', status(403));
    web.on('/fresh', serve(body));
    const jobs = scriptedJobs({ downloadUrl: urlFor('/expired'), rowCount: 2 }, { downloadUrl: urlFor('/fresh'), rowCount: 2 });
    await expect(copyExport(request(), baseDeps(jobs.getJob))).resolves.toMatchObject({ rowCount: 2 });
    expect(jobs.calls()).toBe(2);
  });

  it('survives a URL that expires mid-download: connection cut, then 403, refresh, success', async () => {
    const body = activityCsv(40_000); // a few MB: the cut lands after the first part
    web.on('/first', cutAfter(body, Math.floor(body.length / 2)), status(403));
    web.on('/second', serve(body));
    const jobs = scriptedJobs({ downloadUrl: urlFor('/first'), rowCount: 40_000 }, { downloadUrl: urlFor('/second'), rowCount: 40_000 });
    const deps = baseDeps(jobs.getJob);
    const outcome = await copyExport(request(), deps);
    expect(outcome).toMatchObject({ rowCount: 40_000, bytes: body.length, sha256: sha256(body) });
    expect(web.hits('/first')).toBe(2);
    expect(jobs.calls()).toBe(2);
    expect(await listUnder(deps.keyPrefix)).toEqual([keysOf(deps).csvKey, keysOf(deps).manifestKey].sort());
    expect(await s3.openUploads()).toEqual([]);
  });

  it('fails with DownloadUrlExpired once the refreshes are used up', async () => {
    web.on('/always-403', status(403));
    const jobs = scriptedJobs({ downloadUrl: urlFor('/always-403'), rowCount: 2 });
    const deps = baseDeps(jobs.getJob, { maxUrlRefreshes: 2 });
    await expectCopyFailure(deps, ERROR_NAMES.urlExpired);
    expect(jobs.calls()).toBe(3);
    expect(web.hits('/always-403')).toBe(3);
  });

  it('treats 410 Gone like an expired URL', async () => {
    web.on('/gone', status(410));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/gone'), rowCount: 2 }).getJob, { maxUrlRefreshes: 0 });
    await expectCopyFailure(deps, ERROR_NAMES.urlExpired);
  });

  it('waits for a nearly expired URL to lapse, then gets a fresh one', async () => {
    const body = activityCsv(1);
    web.on('/later', serve(body));
    const jobs = scriptedJobs(
      { downloadUrl: urlFor('/soon'), expireAt: Date.now() + 200, rowCount: 1 },
      { downloadUrl: urlFor('/later'), rowCount: 1 },
    );
    await expect(copyExport(request(), baseDeps(jobs.getJob))).resolves.toMatchObject({ rowCount: 1 });
    expect(jobs.calls()).toBe(2);
    expect(web.hits('/soon')).toBe(0);
  });

  it('DownloadUrlExpired at once when waiting for the URL to lapse does not fit in the time left', async () => {
    const jobs = scriptedJobs({ downloadUrl: urlFor('/soon'), expireAt: Date.now() + 60_000, rowCount: 1 });
    const error = await expectCopyFailure(baseDeps(jobs.getJob, { remainingTimeMs: () => 45_000 }), ERROR_NAMES.urlExpired);
    expect(error.message).toMatch(/does not fit in this run/);
    expect(jobs.calls()).toBe(1);
  });

  it('fails with DownloadUrlExpired when every GET returns an expiring URL', async () => {
    const jobs = scriptedJobs({ downloadUrl: urlFor('/never'), expireAt: Date.now() - 1, rowCount: 1 });
    await expectCopyFailure(baseDeps(jobs.getJob, { maxUrlRefreshes: 1 }), ERROR_NAMES.urlExpired);
    expect(jobs.calls()).toBe(2);
    expect(web.hits('/never')).toBe(0);
  });
});

describe('copyExport: verification failures leave nothing behind', () => {
  it('TruncatedDownload when the connection keeps dropping mid-body (one retry)', async () => {
    const body = activityCsv(40_000);
    web.on('/cut', cutAfter(body, Math.floor(body.length / 2)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/cut'), rowCount: 40_000 }).getJob);
    const error = await expectCopyFailure(deps, ERROR_NAMES.truncated);
    expect(error.message).toMatch(/ended early 2 time/);
    expect(web.hits('/cut')).toBe(2);
  });

  it('TruncatedDownload when a multipart upload is under way as the connection drops', async () => {
    const body = activityCsv(200_000); // > 12 MB: at least two 5 MiB parts uploaded before the cut
    web.on('/cut-late', cutAfter(body, body.length - 1000));
    const { client, sent } = recordingClient();
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/cut-late'), rowCount: 200_000 }).getJob, {
      maxDroppedConnectionRetries: 0,
      s3: client,
    });
    expect(body.length).toBeGreaterThan(2 * deps.partSizeBytes);
    await expectCopyFailure(deps, ERROR_NAMES.truncated);
    // The multipart upload really was under way, and it was aborted, not left behind.
    expect(count(sent, 'CreateMultipartUploadCommand')).toBe(1);
    expect(count(sent, 'UploadPartCommand')).toBeGreaterThanOrEqual(2);
    expect(count(sent, 'AbortMultipartUploadCommand')).toBe(1);
    expect(count(sent, 'CompleteMultipartUploadCommand')).toBe(0);
    expect(count(sent, 'PutObjectCommand')).toBe(0);
    expect(count(sent, 'PutObjectTaggingCommand')).toBe(0);
    client.destroy();
  });

  it('TruncatedDownload when Content-Length announces more bytes than the body has', async () => {
    const body = activityCsv(10);
    web.on('/over', overAnnounce(body, 100));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/over'), rowCount: 10 }).getJob);
    await expectCopyFailure(deps, ERROR_NAMES.truncated);
  });

  it('ContentLengthMismatch when more bytes arrive than Content-Length announced', async () => {
    const body = activityCsv(2000);
    web.on('/gzip', gzipped(body));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/gzip'), rowCount: 2000 }).getJob);
    const error = await expectCopyFailure(deps, ERROR_NAMES.contentLength);
    expect(error.message).toMatch(/more than the \d+ bytes its Content-Length announced/);
    expect(error.message).toMatch(/Content-Encoding gzip/);
  });

  it('ContentLengthMismatch when the download has no Content-Length', async () => {
    web.on('/chunked', chunked(activityCsv(3)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/chunked'), rowCount: 3 }).getJob);
    const error = await expectCopyFailure(deps, ERROR_NAMES.contentLength);
    expect(error.message).toMatch(/cannot prove the file is complete/);
  });

  it('RowCountMismatch when the CSV has a different number of data rows', async () => {
    web.on('/rows', serve(activityCsv(9)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/rows'), rowCount: 10 }).getJob);
    const error = await expectCopyFailure(deps, ERROR_NAMES.rowCount);
    expect(error.message).toMatch(/reported 10 data rows, the file has 9/);
  });

  it('RowCountMismatch on a multipart-sized body: parts went up at the final key, the upload was aborted, never completed', async () => {
    const body = activityCsv(200_000);
    web.on('/rows-big', serve(body));
    const { client, sent, inputs } = recordingClient();
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/rows-big'), rowCount: 199_999 }).getJob, { s3: client });
    await expectCopyFailure(deps, ERROR_NAMES.rowCount);
    expect(inputs.get('CreateMultipartUploadCommand')).toMatchObject({ Key: keysOf(deps).csvKey });
    expect(count(sent, 'UploadPartCommand')).toBeGreaterThanOrEqual(2);
    expect(count(sent, 'AbortMultipartUploadCommand')).toBe(1);
    expect(count(sent, 'CompleteMultipartUploadCommand')).toBe(0);
    expect(count(sent, 'PutObjectTaggingCommand')).toBe(0);
    client.destroy();
  });

  // What a Content-Length smaller than the file delivers: every announced byte, the row count
  // intact, and a last field cut short. The seat export ends in a number, so the shape holds too.
  const seatCsv = Buffer.from(
    'activityId,activityType,createdAt,seatId,memberIdentityKey\n1,"Doe, John",11-01-2026 00:00:00,26341,m\n2,Ana,11-01-2026 00:00:00,1990,m\n',
  );

  it.each([1, 2, 3, 5])('TruncatedDownload when a body %i byte(s) short of the file ends inside its last field', async (missing) => {
    const path = `/seat-short-${missing}`;
    web.on(path, serve(seatCsv.subarray(0, seatCsv.length - missing)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor(path), rowCount: 2 }).getJob);
    const error = await expectCopyFailure(deps, ERROR_NAMES.truncated);
    expect(error.message).toMatch(
      /^The download for job \d+ ended after \d+ bytes, as its Content-Length announced, but without a line break/,
    );
    // Thrown, not retried on the same URL: it would announce the same length again.
    expect(web.hits(path)).toBe(1);
  });

  it('TruncatedDownload for a multipart-sized body cut inside its last field: the upload is aborted, not completed', async () => {
    const full = activityCsv(200_000);
    web.on('/big-short', serve(full.subarray(0, full.length - 3)));
    const { client, sent } = recordingClient();
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/big-short'), rowCount: 200_000 }).getJob, { s3: client });
    await expectCopyFailure(deps, ERROR_NAMES.truncated);
    expect(count(sent, 'UploadPartCommand')).toBeGreaterThanOrEqual(2);
    expect(count(sent, 'AbortMultipartUploadCommand')).toBe(1);
    expect(count(sent, 'CompleteMultipartUploadCommand')).toBe(0);
    client.destroy();
  });

  it('with requireFinalLineBreak off, a file without a final line break lands (and a cut inside its last number would too)', async () => {
    web.on('/no-final-lf', serve(seatCsv.subarray(0, seatCsv.length - 1)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/no-final-lf'), rowCount: 2 }).getJob, { requireFinalLineBreak: false });
    const outcome = await copyExport(request(), deps);
    expect(outcome).toMatchObject({ rowCount: 2, bytes: seatCsv.length - 1 });
  });

  it('MalformedCsv (requireFinalLineBreak off) when the right number of rows arrives but the last one is cut inside a field list', async () => {
    const full = activityCsv(4);
    const cut = full.subarray(0, full.lastIndexOf(',VIEWED_PROFILE') + ',VIEWED_PROFILE'.length); // 2 of 5 fields
    web.on('/cut', serve(cut));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/cut'), rowCount: 4 }).getJob, { requireFinalLineBreak: false });
    const error = await expectCopyFailure(deps, ERROR_NAMES.malformedCsv);
    expect(error.message).toMatch(/record 5 has 2 field\(s\), the header has 5/);
  });

  it('MalformedCsv (requireFinalLineBreak off) when the file ends inside a quoted field', async () => {
    web.on('/open-quote', serve(Buffer.from('id,note\n1,"fine"\n2,"cut off mid-')));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/open-quote'), rowCount: 2 }).getJob, { requireFinalLineBreak: false });
    const error = await expectCopyFailure(deps, ERROR_NAMES.malformedCsv);
    expect(error.message).toMatch(/ends inside a quoted field/);
  });

  it('passes an S3 failure through as itself (not as a download fault) and stops the download', async () => {
    const body = activityCsv(200_000);
    web.on('/to-nowhere', serve(body));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/to-nowhere'), rowCount: 200_000 }).getJob, { bucket: 'no-such-bucket' });
    await expect(copyExport(request(), deps)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect(web.hits('/to-nowhere')).toBe(1);
    expect(await s3.openUploads()).toEqual([]);
  });

  it('DownloadFailed on any other HTTP status', async () => {
    web.on('/boom', status(500));
    await expectCopyFailure(baseDeps(scriptedJobs({ downloadUrl: urlFor('/boom'), rowCount: 1 }).getJob), ERROR_NAMES.downloadFailed);
  });
});

describe('copyExport: cancellation near the time limit', () => {
  it('stops download and upload together with CopyDeadlineExceeded', async () => {
    const body = activityCsv(200_000);
    web.on('/slow', stallAfter(body, 6 * MiB)); // a first part is uploaded, then the source stalls
    const started = Date.now();
    const { client, sent } = recordingClient();
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/slow'), rowCount: 200_000 }).getJob, {
      remainingTimeMs: () => 32_000 - (Date.now() - started),
      safetyMarginMs: 30_000,
      s3: client,
    });
    const error = await expectCopyFailure(deps, ERROR_NAMES.copyDeadline);
    expect(error.message).toMatch(/before the Lambda's time limit/);
    // Whatever had started on the S3 side was aborted (normally one upload with one part).
    expect(count(sent, 'AbortMultipartUploadCommand')).toBe(count(sent, 'CreateMultipartUploadCommand'));
    expect(count(sent, 'CompleteMultipartUploadCommand')).toBe(0);
    client.destroy();
  });

  it('does not start at all when the remaining time is already inside the safety margin', async () => {
    const jobs = scriptedJobs({ downloadUrl: urlFor('/unused'), rowCount: 1 });
    await expectCopyFailure(baseDeps(jobs.getJob, { remainingTimeMs: () => 10_000, safetyMarginMs: 30_000 }), ERROR_NAMES.copyDeadline);
    expect(jobs.calls()).toBe(0);
  });

  it('gives up waiting for a LinkedIn GET that outlives the deadline', async () => {
    const started = Date.now();
    const deps = baseDeps(() => new Promise<ExportJob>(() => undefined), {
      remainingTimeMs: () => 30_300 - (Date.now() - started),
      safetyMarginMs: 30_000,
    });
    await expectCopyFailure(deps, ERROR_NAMES.copyDeadline);
  });

  /**
   * The real LinkedIn client against a job GET that never answers: each GET's own promise and
   * connection are watched, so a GET merely abandoned by the copy (still in flight) fails these.
   */
  const hangingJobGets = (answerFirst?: Partial<ExportJob>) => {
    const path = `/v2/salesAnalyticsExportJobs/${JOB_ID}`;
    const closed: number[] = [];
    web.on(
      path,
      hang(() => closed.push(Date.now())),
    );
    const client = new LinkedInClient({ baseUrl: `${web.origin}/v2`, token: 'test-token', timeoutMs: 60_000 });
    const scripted = answerFirst ? scriptedJobs(answerFirst) : undefined;
    const gets: Array<{ signal: AbortSignal | undefined; rejectedWith?: unknown }> = [];
    const getJob: CopyDeps['getJob'] = (jobId, contract, options) => {
      const answer =
        scripted && gets.length === 0 ? scripted.getJob(jobId, contract, options) : client.getExportJob(jobId, contract, options);
      const get: (typeof gets)[number] = { signal: options?.signal };
      gets.push(get);
      answer.catch((error: unknown) => {
        get.rejectedWith = error;
      });
      return answer;
    };
    return { getJob, gets, closed, httpGets: () => web.hits(path) };
  };

  it('cancels the job GET in flight when the deadline fires (the GET gets the copy signal)', async () => {
    const jobs = hangingJobGets();
    const started = Date.now();
    const deps = baseDeps(jobs.getJob, { remainingTimeMs: () => 30_300 - (Date.now() - started), safetyMarginMs: 30_000 });

    const error = await expectCopyFailure(deps, 'CopyDeadlineExceeded');

    expect(error.message).toMatch(/before the Lambda's time limit/);
    expect(jobs.httpGets()).toBe(1);
    expect(jobs.gets).toHaveLength(1);
    expect(jobs.gets[0]!.signal?.aborted).toBe(true);
    // The GET itself stopped and its connection closed, long before the client's own 60 s timeout.
    await waitUntil(() => jobs.gets[0]!.rejectedWith !== undefined && jobs.closed.length === 1);
    expect(jobs.gets[0]!.rejectedWith).toBeInstanceOf(Error);
    expect(jobs.closed[0]! - started).toBeLessThan(5_000);
  });

  it('cancels a refresh GET in flight too (after a 403 from the download)', async () => {
    web.on('/expired-then-hang', status(403));
    const jobs = hangingJobGets({ downloadUrl: urlFor('/expired-then-hang'), rowCount: 2 });
    const started = Date.now();
    const deps = baseDeps(jobs.getJob, { remainingTimeMs: () => 30_300 - (Date.now() - started), safetyMarginMs: 30_000 });

    await expectCopyFailure(deps, 'CopyDeadlineExceeded');

    expect(web.hits('/expired-then-hang')).toBe(1);
    expect(jobs.httpGets()).toBe(1);
    expect(jobs.gets).toHaveLength(2);
    for (const get of jobs.gets) expect(get.signal?.aborted).toBe(true);
    await waitUntil(() => jobs.gets[1]!.rejectedWith !== undefined && jobs.closed.length === 1);
    expect(jobs.gets[1]!.rejectedWith).toBeInstanceOf(Error);
  });
});

describe('copyExport: where the download may come from', () => {
  it('DownloadHostNotAllowed for a host outside the allowlist (no request made)', async () => {
    const deps = baseDeps(scriptedJobs({ downloadUrl: `https://files.example.com/export.csv?${SECRET}`, rowCount: 1 }).getJob);
    const error = await expectCopyFailure(deps, ERROR_NAMES.hostNotAllowed);
    expect(error.message).toMatch(
      /"https:\/\/files\.example\.com" \(host "files\.example\.com"\), which is not an allowed download origin/,
    );
  });

  it('DownloadHostNotAllowed for plain http to a non-loopback host, even with the loopback exception on', async () => {
    const deps = baseDeps(scriptedJobs({ downloadUrl: `http://www.linkedin.com/ambry/?${SECRET}`, rowCount: 1 }).getJob);
    const error = await expectCopyFailure(deps, ERROR_NAMES.hostNotAllowed);
    expect(error.message).toMatch(/uses http to "www\.linkedin\.com"; downloads must use https/);
  });

  it('DownloadHostNotAllowed for plain http to loopback when the exception is off', async () => {
    web.on('/plain', serve(activityCsv(1)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/plain'), rowCount: 1 }).getJob, { allowHttpLoopback: false });
    await expectCopyFailure(deps, ERROR_NAMES.hostNotAllowed);
    expect(web.hits('/plain')).toBe(0);
  });

  it('DownloadHostNotAllowed for a redirect to another host, which is never contacted', async () => {
    web.on('/away', redirect(`http://localhost:${web.port}/elsewhere?${SECRET}`));
    web.on('/elsewhere', serve(activityCsv(1)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/away'), rowCount: 1 }).getJob);
    const error = await expectCopyFailure(deps, ERROR_NAMES.hostNotAllowed);
    expect(error.message).toMatch(/"localhost"/);
    expect(web.hits('/away')).toBe(1);
    expect(web.hits('/elsewhere')).toBe(0);
  });

  it('TooManyRedirects after more than three hops', async () => {
    web.on('/r1', redirect('/r2'));
    web.on('/r2', redirect('/r3'));
    web.on('/r3', redirect('/r4'));
    web.on('/r4', redirect('/r5'));
    web.on('/r5', serve(activityCsv(1)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/r1'), rowCount: 1 }).getJob);
    await expectCopyFailure(deps, ERROR_NAMES.tooManyRedirects);
    expect(web.hits('/r5')).toBe(0);
  });
});

describe('copyExport: the job must be ready', () => {
  it.each<[string, Partial<ExportJob>]>([
    ['not COMPLETED', { status: 'PROCESSING', downloadUrl: null, rowCount: null }],
    ['no downloadUrl', { downloadUrl: null, rowCount: 3 }],
    ['no rowCount', { downloadUrl: 'https://www.linkedin.com/ambry/?x', rowCount: null }],
    ['no expireAt', { downloadUrl: 'https://www.linkedin.com/ambry/?x', rowCount: 1, expireAt: null }],
  ])('LinkedInProtocolError when the job has %s', async (_name, job) => {
    await expectCopyFailure(baseDeps(scriptedJobs(job).getJob), ERROR_NAMES.protocol);
  });
});

describe('copyExport: a multi-day window lands one object per day', () => {
  const THREE_DAYS = { startAt: WINDOW.startAt, endAt: WINDOW.startAt + 3 * DAY };
  const header = 'activityId,activityType,createdAt,seatId,memberIdentityKey\r\n';
  const rows = [
    'a1,VIEWED_PROFILE,11-03-2026 10:00:00,1,m1\r\n',
    'a2,"SENT, ""InMail""",11-01-2026 23:59:59,2,\r\n',
    'a3,NOTE,11-03-2026 00:00:00,3,"two\r\nlines"\r\n',
  ];
  const dayKeys = (deps: CopyDeps) =>
    [0, 1, 2].map((d) => dayObjectKey(deps.keyPrefix, 'activity', CONTRACT, THREE_DAYS.startAt + d * DAY));

  it('splits the verified file by createdAt: day objects with their own rows, tag and metadata, one manifest tying them to the file', async () => {
    const body = Buffer.from(header + rows.join(''));
    web.on('/days', serve(body));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/days'), rowCount: 3 }).getJob);

    const outcome = await copyExport(request({ window: THREE_DAYS }), deps);

    const keys = dayKeys(deps);
    const manifestKey = manifestKeyOf(deps.keyPrefix, 'activity', CONTRACT, THREE_DAYS);
    const expected = [header + rows[1], header, header + rows[0] + rows[2]];
    for (const [i, key] of keys.entries()) {
      expect((await readObject(key)).toString('utf8')).toBe(expected[i]);
      expect(await sha256TagOf(key)).toBe(sha256(Buffer.from(expected[i] as string)));
    }
    const head = await s3.s3Client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: keys[2] }));
    expect(head.Metadata).toMatchObject({ day: '2026-11-03', rows: '2', bytes: String(Buffer.byteLength(expected[2] as string)) });
    expect(outcome).toMatchObject({
      rowCount: 3,
      bytes: body.length,
      sha256: sha256(body),
      s3Uri: `s3://${s3.bucket}/${keys[0]}`,
      manifestKey,
    });
    expect(outcome.days.map((d) => [d.key, d.rows])).toEqual([
      [keys[0], 1],
      [keys[1], 0],
      [keys[2], 2],
    ]);

    const manifest = JSON.parse((await readObject(manifestKey)).toString('utf8'));
    expect(manifest).toMatchObject({ manifestVersion: 2, rows: 3, bytes: body.length, sha256: sha256(body) });
    expect(manifest.objects.map((o: { day: string; rows: number }) => [o.day, o.rows])).toEqual([
      ['2026-11-01', 1],
      ['2026-11-02', 0],
      ['2026-11-03', 2],
    ]);
    // Only day objects in the table location; the manifest lives beside it.
    expect(await listUnder(`${deps.keyPrefix}activity/`)).toEqual([...keys].sort());
    expect(await listUnder(deps.keyPrefix)).toEqual([...keys, manifestKey].sort());
  });

  it.each([
    ['RowCountMismatch', 4, rows.join('')],
    ['MalformedCsv', 1, 'a9,X,11-05-2026 00:00:00,9,\r\n'],
  ])('%s: no day lands, nothing is left in S3', async (name, rowCount, data) => {
    web.on('/bad-days', serve(Buffer.from(header + data)));
    const deps = baseDeps(scriptedJobs({ downloadUrl: urlFor('/bad-days'), rowCount }).getJob);
    await expectCopyFailure(deps, name, request({ window: THREE_DAYS }));
    expect(await listUnder(deps.keyPrefix)).toEqual([]);
  });
});
