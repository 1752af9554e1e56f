/**
 * SDK and API clients, created once per Lambda container (or local-runner process) on
 * first use, after configuration is known.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { runtimeConfig } from '../config';
import type { LinkedInClient } from '../linkedin/client';
import { createLinkedInClient } from '../linkedin/from-config';
import { tracer } from '../powertools';

let s3: S3Client | undefined;
let linkedIn: LinkedInClient | undefined;

export const s3Client = (): S3Client => {
  if (s3) return s3;
  const { S3_ENDPOINT } = runtimeConfig();
  // A custom endpoint is a local S3 (s3rver): it only understands path-style addressing.
  s3 = tracer.captureAWSv3Client(new S3Client(S3_ENDPOINT ? { endpoint: S3_ENDPOINT, forcePathStyle: true } : {}));
  return s3;
};

export const linkedInClient = (): LinkedInClient => {
  linkedIn ??= createLinkedInClient(runtimeConfig());
  return linkedIn;
};

/** The local runner changes configuration between runs in one process. */
export const resetClients = (): void => {
  s3?.destroy();
  s3 = undefined;
  linkedIn = undefined;
};
