import { copySettingsFromConfig } from '../../lambdas/shared/copy/settings';
import { handlerConfig } from '../helpers/runtime-config';

const AWS = { checksumFromS3: true, allowHttpLoopback: false };

describe('copySettingsFromConfig', () => {
  it('turns the defaults into bytes and milliseconds', () => {
    expect(copySettingsFromConfig(handlerConfig(), AWS)).toEqual({
      bucket: 'exports',
      keyPrefix: 'linkedin-sales-navigator/',
      checksumFromS3: true,
      expectedColumns: {},
      allowedHosts: ['www.linkedin.com', 'api.linkedin.com'],
      allowHttpLoopback: false,
      safetyMarginMs: 30_000,
      urlMinRemainingMs: 300_000,
      maxUrlRefreshes: 3,
      partSizeBytes: 8 * 1024 * 1024,
      queueSize: 4,
      requireFinalLineBreak: true,
    });
  });

  it('takes where the copy runs from its caller and the tunables from the configuration', () => {
    const settings = copySettingsFromConfig(
      handlerConfig({
        BUCKET_NAME: 'local',
        ALLOWED_DOWNLOAD_HOSTS: 'http://127.0.0.1:43567, www.linkedin.com',
        PART_SIZE_MB: '16',
        UPLOAD_QUEUE_SIZE: '2',
        REQUIRE_FINAL_LINE_BREAK: 'false',
      }),
      { checksumFromS3: false, allowHttpLoopback: true },
    );
    expect(settings).toMatchObject({
      bucket: 'local',
      checksumFromS3: false,
      allowedHosts: ['http://127.0.0.1:43567', 'www.linkedin.com'],
      allowHttpLoopback: true,
      partSizeBytes: 16 * 1024 * 1024,
      queueSize: 2,
      requireFinalLineBreak: false,
    });
  });
});
