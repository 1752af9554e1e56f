/**
 * The ledger benchmark's counting s3rver (bench/ledger/counting-s3.ts): local/s3.ts's server with
 * a counter in front of its own middleware, so it sees every request through the real S3 client,
 * conditional writes and their refusals included, and leaves later s3rvers uncounted.
 */
import { CopyObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type CountingS3, startCountingS3 } from '../../bench/ledger/counting-s3';
import { tallyS3Requests } from '../../bench/ledger/s3-requests';
import { startLocalS3 } from '../../local/s3';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';

const BUCKET = 'counted';
let dir: string;
let s3: CountingS3;
let client: S3Client;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'counting-s3-'));
  s3 = await startCountingS3({ bucket: BUCKET, directory: path.join(dir, 'counted') });
  client = new S3Client({ ...s3ClientConfig(s3.endpoint), credentials: S3RVER_CREDENTIALS });
});

afterAll(async () => {
  client.destroy();
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

it('counts each request by operation, area and answer, in front of the conditional writes', async () => {
  const key = 'p/ledger/activity/contract=1.json';
  await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).catch(() => undefined);
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{}', IfNoneMatch: '*' }));
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{}', IfNoneMatch: '*' })).catch(() => undefined);
  await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'p/superseded/x', CopySource: `${BUCKET}/${key}` }));
  await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'p/ledger/' }));

  const records = s3.take();
  expect(records.map(({ operation, key: at, status }) => [operation, at, status])).toEqual([
    ['GET object', key, 404],
    ['PUT object, conditional', key, 200],
    ['PUT object, conditional', key, 412],
    ['COPY object', 'p/superseded/x', 200],
    ['LIST objects', 'p/ledger/', 200],
  ]);
  expect(records.every((record, i) => i === 0 || record.at >= records[i - 1]!.at)).toBe(true);
  expect(tallyS3Requests(records, 'p/').byArea).toEqual({ ledger: 4, superseded: 1 });
  expect(s3.take()).toEqual([]);
});

it('counts only its own server: an s3rver started later has no counter', async () => {
  const other = await startLocalS3({ bucket: BUCKET, directory: path.join(dir, 'other') });
  const otherClient = new S3Client({ ...s3ClientConfig(other.endpoint), credentials: S3RVER_CREDENTIALS });
  try {
    await otherClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }));
    expect(s3.take()).toEqual([]);
  } finally {
    otherClient.destroy();
    await other.close();
  }
});
