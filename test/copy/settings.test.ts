import { copySettingsFromConfig } from '../../lambdas/shared/copy/settings';
import { parseRuntimeConfig } from '../../lambdas/shared/config';

describe('copySettingsFromConfig', () => {
  it('turns the defaults into bytes and milliseconds, with S3 checksums for real S3', () => {
    expect(copySettingsFromConfig(parseRuntimeConfig({ BUCKET_NAME: 'exports' }))).toEqual({
      bucket: 'exports',
      keyPrefix: 'linkedin-sales-navigator/',
      checksumFromS3: true,
      allowedHosts: ['www.linkedin.com', 'api.linkedin.com'],
      allowHttpLoopback: false,
      safetyMarginMs: 30_000,
      urlMinRemainingMs: 300_000,
      maxUrlRefreshes: 3,
      partSizeBytes: 8 * 1024 * 1024,
      queueSize: 4,
    });
  });

  it('skips S3 checksums with a custom endpoint and honours the local runner settings', () => {
    const settings = copySettingsFromConfig(
      parseRuntimeConfig({
        BUCKET_NAME: 'local',
        S3_ENDPOINT: 'http://127.0.0.1:4568',
        ALLOWED_DOWNLOAD_HOSTS: '127.0.0.1, www.linkedin.com',
        ALLOW_HTTP_LOOPBACK: 'true',
        PART_SIZE_MB: '8',
        UPLOAD_QUEUE_SIZE: '2',
      }),
    );
    expect(settings).toMatchObject({
      checksumFromS3: false,
      allowedHosts: ['127.0.0.1', 'www.linkedin.com'],
      allowHttpLoopback: true,
      partSizeBytes: 8 * 1024 * 1024,
      queueSize: 2,
    });
  });
});
