/**
 * What a Distributed Map writes through its ResultWriter (docs/design.md, "Partner scale"): the
 * Map state's output, the manifest, and one entry per child execution in the result files. AWS
 * owns this layout; the Summarize step reads it on AWS and the local runner writes it, so both
 * follow these schemas. They are loose (`z.object`, not strict): AWS may add fields.
 */
import * as z from 'zod/mini';
import './zod-locale';

/** The Map state's output when ResultWriter exports results to S3. */
export const mapRunOutputSchema = z.object({
  MapRunArn: z.string(),
  ResultWriterDetails: z.object({ Bucket: z.string(), Key: z.string() }),
});
export type MapRunOutput = z.infer<typeof mapRunOutputSchema>;

const resultFileSchema = z.object({ Key: z.string(), Size: z.number() });

/** `<prefix>/<map run id>/manifest.json`: where the results of each status are. */
export const mapRunManifestSchema = z.object({
  DestinationBucket: z.string(),
  MapRunArn: z.string(),
  ResultFiles: z.object({
    FAILED: z.optional(z.array(resultFileSchema)),
    PENDING: z.optional(z.array(resultFileSchema)),
    SUCCEEDED: z.optional(z.array(resultFileSchema)),
  }),
});
export type MapRunManifest = z.infer<typeof mapRunManifestSchema>;

/** The statuses a child execution ends in, as AWS names the result files. */
export const CHILD_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING'] as const;
export type ChildStatus = (typeof CHILD_STATUSES)[number];

/**
 * One child execution in a result file (`SUCCEEDED_0.json` holds a JSON array of these). Input
 * and Output are JSON text, as AWS writes them; a failed child has Error and Cause instead of
 * Output.
 */
export const childResultSchema = z.object({
  ExecutionArn: z.string(),
  Name: z.optional(z.string()),
  Input: z.string(),
  Output: z.optional(z.string()),
  Status: z.string(),
  Error: z.optional(z.string()),
  Cause: z.optional(z.string()),
  StartDate: z.optional(z.string()),
  StopDate: z.optional(z.string()),
  StateMachineArn: z.optional(z.string()),
  RedriveCount: z.optional(z.number()),
});
export type ChildResult = z.infer<typeof childResultSchema>;

/** The Map's error when its tolerated failure threshold is passed. */
export const TOLERATED_FAILURE_EXCEEDED = 'States.ExceedToleratedFailureThreshold';
