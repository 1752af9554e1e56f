/**
 * What a local run reports as landed, and the check that each day object is really there with the
 * size its window's manifest records.
 */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ExportResult } from '../../lambdas/shared/contract/state';
import { parseS3Uri } from '../s3-client';

/** Error names of the runner's own after-run check (not workflow errors). */
export const LANDED_OBJECT_MISSING = 'LandedObjectMissing';
export const LANDED_OBJECT_MISMATCH = 'LandedObjectMismatch';

/** One window landed, as the `--json` document lists it: its first day object, its manifest and how many day objects. */
export type LandedExport = ExportResult;

export const landed = (result: ExportResult): LandedExport => result;

const namedError = (name: string, message: string, cause?: unknown): Error => {
  const error = new Error(message, { cause });
  error.name = name;
  return error;
};

interface ManifestEntry {
  object: string;
  bytes: number;
}

const manifestObjects = async (client: S3Client, manifestUri: string): Promise<ManifestEntry[]> => {
  const { bucket, key } = parseS3Uri(manifestUri);
  try {
    const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString('utf8');
    const objects = (JSON.parse(body ?? '') as { objects?: ManifestEntry[] }).objects;
    if (!Array.isArray(objects)) throw new Error('it lists no objects');
    return objects;
  } catch (error) {
    throw namedError(LANDED_OBJECT_MISSING, `${manifestUri} is not a readable manifest after the run: ${(error as Error).message}`, error);
  }
};

/**
 * Checks that each window's manifest is there, lists one object per day the execution reported,
 * and that each of those objects exists with the size the manifest records.
 *
 * @throws Error `LandedObjectMissing` or `LandedObjectMismatch`
 */
export const verifyLanded = async (client: S3Client, exports: readonly LandedExport[]): Promise<void> => {
  for (const item of exports) {
    const objects = await manifestObjects(client, item.manifestUri);
    if (objects.length !== item.objects || objects[0]?.object !== item.s3Uri) {
      throw namedError(
        LANDED_OBJECT_MISMATCH,
        `${item.manifestUri} lists ${objects.length} object(s) starting at ${objects[0]?.object}; the execution reported ${item.objects} starting at ${item.s3Uri}`,
      );
    }
    for (const entry of objects) {
      const { bucket, key } = parseS3Uri(entry.object);
      let size: number | undefined;
      try {
        size = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
      } catch (error) {
        throw namedError(LANDED_OBJECT_MISSING, `${entry.object} is not readable after the run: ${(error as Error).name}`, error);
      }
      if (size !== entry.bytes) {
        throw namedError(LANDED_OBJECT_MISMATCH, `${entry.object} holds ${size} bytes, its manifest records ${entry.bytes}`);
      }
    }
  }
};
