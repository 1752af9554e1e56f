import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startLocalS3, type LocalS3 } from '../helpers/s3rver';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3('helper-bucket');
});
afterAll(async () => {
  await s3?.close();
});

describe('startLocalS3: the multipart operations s3rver lacks', () => {
  it('lists an open multipart upload by prefix and aborts it', async () => {
    const Bucket = s3.bucket;
    const { UploadId } = await s3.s3Client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'a/b/open.csv' }));
    await s3.s3Client.send(new UploadPartCommand({ Bucket, Key: 'a/b/open.csv', UploadId, PartNumber: 1, Body: 'x'.repeat(100) }));

    const listed = await s3.s3Client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'a/' }));
    expect(listed.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['a/b/open.csv', UploadId]]);
    const elsewhere = await s3.s3Client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'z/' }));
    expect(elsewhere.Uploads ?? []).toEqual([]);
    expect(await s3.openUploads()).toEqual([{ uploadId: UploadId, key: 'a/b/open.csv' }]);

    await s3.s3Client.send(new AbortMultipartUploadCommand({ Bucket, Key: 'a/b/open.csv', UploadId }));
    expect((await s3.s3Client.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
    expect(await s3.openUploads()).toEqual([]);
  });

  it('answers NoSuchUpload for an unknown upload id', async () => {
    await expect(
      s3.s3Client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: 'k', UploadId: 'no-such-upload' })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });
});
