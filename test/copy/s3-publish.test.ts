import { Logger } from '@aws-lambda-powertools/logger';
import {
  LINKEDIN_MAX_EXPORT_BYTES,
  S3_MAX_PARTS,
  assertPartSizeFits,
  buildManifest,
  objectMetadata,
  type CopyLogger,
  type VerifiedExport,
} from '../../lambdas/shared/copy/s3-publish';

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
  it('accepts the 16 MiB default and the 5 MiB minimum for a 3 GB export', () => {
    expect(() => assertPartSizeFits(16 * MiB)).not.toThrow();
    expect(() => assertPartSizeFits(5 * MiB)).not.toThrow();
    expect(Math.ceil(LINKEDIN_MAX_EXPORT_BYTES / (16 * MiB))).toBeLessThan(S3_MAX_PARTS / 10);
  });

  it('rejects a part below S3 minimum or too small for the largest object', () => {
    expect(() => assertPartSizeFits(5 * MiB - 1)).toThrow(/below S3's minimum/);
    expect(() => assertPartSizeFits(5 * MiB, 100 * 1024 ** 3)).toThrow(/cannot fit/);
  });
});

describe('object metadata and manifest', () => {
  it('describes the verified export in ASCII metadata', () => {
    expect(objectMetadata(facts)).toEqual({
      'job-id': '5',
      'job-ids': '3,5',
      'export-type': 'seat',
      contract: 'urn:li:contract:42',
      'window-start': '2026-01-01T00:00:00.000Z',
      'window-end': '2026-01-02T00:00:00.000Z',
      rows: '0',
      bytes: '61',
      sha256: 'ab'.repeat(32),
    });
  });

  it('builds a manifest that flags an empty export and records S3 checksum only when known', () => {
    const manifest = buildManifest(facts, 's3://b/k.csv', Date.UTC(2026, 0, 3, 4, 5, 6));
    expect(manifest).toMatchObject({ object: 's3://b/k.csv', empty: true, rows: 0, copiedAt: '2026-01-03T04:05:06.000Z' });
    expect(manifest).not.toHaveProperty('s3Checksum');
    expect(buildManifest(facts, 's3://b/k.csv', 0, 'SHA256:q83v').s3Checksum).toBe('SHA256:q83v');
  });

  it("accepts Powertools' Logger as the copy's logger", () => {
    const logger: CopyLogger = new Logger({ serviceName: 'test' });
    expect(typeof logger.info).toBe('function');
  });
});
