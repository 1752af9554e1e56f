/**
 * zod schemas for the state the handlers receive. The state machine only ever hands a
 * handler what an earlier handler returned, so a mismatch here means a deployment of
 * mismatched versions or a hand-edited redrive: fail loudly instead of guessing.
 */
import { z } from 'zod';
import { EXPORT_TYPES } from '../linkedin/export-types';
import type { ExportTask, PlanEvent } from '../workflow/state';

const epochMs = z.number().int().nonnegative();
const window = z.object({ startAt: epochMs, endAt: epochMs });

export const exportResultSchema = z.object({
  exportType: z.enum(EXPORT_TYPES),
  contract: z.string(),
  startAt: epochMs,
  endAt: epochMs,
  jobIds: z.array(z.number().int()),
  rowCount: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  s3Uri: z.string(),
  manifestUri: z.string(),
  empty: z.boolean(),
});

export const exportTaskSchema = z.object({
  exportType: z.enum(EXPORT_TYPES),
  contract: z.string(),
  pending: z.array(window),
  results: z.array(exportResultSchema),
  job: z
    .object({
      id: z.number().int(),
      createdAt: epochMs,
      polls: z.number().int().nonnegative(),
      status: z.string(),
      waitedSeconds: z.number().nonnegative(),
    })
    .optional(),
  jobIds: z.array(z.number().int()),
  retries: z.object({ recreate: z.number().int().nonnegative(), dataDelay: z.number().int().nonnegative() }),
  next: z.enum(['poll', 'copy', 'create', 'done']),
  waitSeconds: z.number().int().nonnegative(),
}) satisfies z.ZodType<ExportTask>;

export const planEventSchema = z.object({
  input: z.unknown(),
  executionStartTime: z.string(),
}) satisfies z.ZodType<PlanEvent>;
