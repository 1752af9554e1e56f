/**
 * What a local run reports as landed, and the check that each object is really there with the
 * size the execution reported.
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ExportResult } from '../../lambdas/shared/contract/state';
import { parseS3Uri } from '../s3-client';

/** Error names of the runner's own after-run check (not workflow errors). */
export const LANDED_OBJECT_MISSING = 'LandedObjectMissing';
export const LANDED_OBJECT_MISMATCH = 'LandedObjectMismatch';

/** One object written, as the `--json` document lists it (the manifest is beside the CSV). */
export type LandedExport = Omit<ExportResult, 'manifestUri'>;

export const landed = ({ manifestUri: _manifest, ...result }: ExportResult): LandedExport => result;

const namedError = (name: string, message: string, cause?: unknown): Error => {
  const error = new Error(message, { cause });
  error.name = name;
  return error;
};

/**
 * Checks that each object is where the execution says, with the size it reported.
 *
 * @throws Error `LandedObjectMissing` or `LandedObjectMismatch`
 */
export const verifyLanded = async (client: S3Client, exports: readonly LandedExport[]): Promise<void> => {
  for (const item of exports) {
    const { bucket, key } = parseS3Uri(item.s3Uri);
    let size: number | undefined;
    try {
      size = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
    } catch (error) {
      throw namedError(LANDED_OBJECT_MISSING, `${item.s3Uri} is not readable after the run: ${(error as Error).name}`, error);
    }
    if (size !== item.bytes) {
      throw namedError(LANDED_OBJECT_MISMATCH, `${item.s3Uri} holds ${size} bytes, the execution reported ${item.bytes}`);
    }
  }
};
