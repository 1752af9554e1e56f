/**
 * zod (zod/mini) schemas of what LinkedIn's Sales Navigator Analytics export API sends back
 * (docs/linkedin-api.md §4, §5, §8).
 *
 * The job schema is derived from the seed `SalesAnalyticsExportJob` JSON Structure
 * (test/fixtures/SalesAnalyticsExportJob.structure.json) with its known defects fixed:
 * - `id` is a Rest.li `long`, not int32: any safe integer, sent as a JSON number;
 * - `expireAt` is epoch milliseconds (LinkedIn's own sample `1536102969282`); the seed's
 *   example `1640200000` is in seconds, so a value below {@link EPOCH_SECONDS_BELOW} is
 *   taken as seconds and normalised to milliseconds;
 * - `status` is any string: LinkedIn may add enum values without notice, and an unknown
 *   one is classified (status.ts `classifyJobStatus`), never a parse failure.
 *
 * Optional fields may be absent (LinkedIn's samples) or explicitly `null` (the seed and
 * third-party specs). Unknown fields are tolerated and dropped.
 */
import '../contract/zod-locale';
import * as z from 'zod/mini';

/**
 * Epoch timestamps below this are seconds, not milliseconds: 1e11 ms is 1973-03-03,
 * long before this API existed, while 1e11 s is the year 5138.
 */
export const EPOCH_SECONDS_BELOW = 1e11;

/** Turns an epoch timestamp in seconds or milliseconds into milliseconds. */
export const toEpochMillis = (epoch: number): number => (epoch < EPOCH_SECONDS_BELOW ? epoch * 1000 : epoch);

/** Rest.li `long` as JS can hold it exactly: a safe integer (zod 4 `z.int()`). */
const jobId = z.int();
const nonNegativeInt = () => z.int().check(z.nonnegative());
const epochMillis = z.pipe(nonNegativeInt(), z.transform(toEpochMillis));

/** The job as `GET /salesAnalyticsExportJobs/{id}?contract=…` returns it (a bare object). */
export const exportJobSchema = z.object({
  id: jobId,
  status: z.string(),
  downloadUrl: z.nullish(z.string()),
  expireAt: z.nullish(epochMillis),
  rowCount: z.nullish(nonNegativeInt()),
});

/**
 * A validated export job. `downloadUrl`, `expireAt` and `rowCount` are absent or null until
 * the job is COMPLETED; `expireAt` is always epoch milliseconds.
 */
export type ExportJob = {
  id: number;
  status: string;
  downloadUrl?: string | null;
  expireAt?: number | null;
  rowCount?: number | null;
};

/** `POST /salesAnalyticsExportJobs?action=…`: a Rest.li action wraps its result in `value`. */
export const createExportJobResponseSchema = z.object({
  value: z.object({ id: jobId, status: z.string() }),
});
export type CreatedExportJob = z.output<typeof createExportJobResponseSchema>['value'];

/** One element of the `contractsByMember` finder. */
export const contractSchema = z.object({
  contract: z.string().check(z.minLength(1)),
  name: z.string(),
  description: z.nullish(z.string()),
  hasReportingAccess: z.nullish(z.boolean()),
});
export type Contract = z.output<typeof contractSchema>;

/** Rest.li CollectionResponse paging; `total` is not in LinkedIn's sample and may be absent. */
export const pagingSchema = z.object({
  start: nonNegativeInt(),
  count: nonNegativeInt(),
  total: z.nullish(nonNegativeInt()),
});

/** `GET /salesContracts?q=contractsByMember`: one page of contracts. */
export const contractsPageSchema = z.object({
  elements: z.array(contractSchema),
  paging: z.optional(pagingSchema),
});

/**
 * LinkedIn's error body, e.g. `{"message":"Empty oauth2_access_token","serviceErrorCode":401,"status":401}`.
 * Only `message` is required: a body without it is not treated as LinkedIn's error body.
 */
export const linkedInErrorBodySchema = z.object({
  message: z.string(),
  serviceErrorCode: z.catch(z.optional(z.number()), undefined),
  status: z.catch(z.optional(z.number()), undefined),
});
export type LinkedInErrorBody = z.output<typeof linkedInErrorBodySchema>;
