/**
 * What the copy insists on in the job GET's answer. LinkedIn's schema makes `downloadUrl`,
 * `expireAt` and `rowCount` optional (they appear only once the job is COMPLETED), but the copy
 * cannot verify or even start without them, so their absence is a protocol fault, not a wait.
 */
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import type { ExportJob } from '../linkedin/schemas';

/** A job that has everything the copy needs. */
export interface CompletedJob {
  id: number;
  downloadUrl: string;
  expireAt: number;
  rowCount: number;
}

/**
 * @returns the job narrowed to what the copy uses
 * @throws NamedError `LinkedInProtocolError` for another job's answer, a job that is not
 *   COMPLETED, or a COMPLETED job missing a field the copy needs
 */
export const toCompletedJob = (job: ExportJob, requestedId: number): CompletedJob => {
  const missing = (['downloadUrl', 'expireAt', 'rowCount'] as const).filter((field) => job[field] === undefined || job[field] === null);
  if (job.id !== requestedId || job.status !== 'COMPLETED' || missing.length > 0 || !job.downloadUrl) {
    const problem =
      job.id !== requestedId
        ? `LinkedIn returned job ${job.id} when asked for job ${requestedId}`
        : job.status !== 'COMPLETED'
          ? `job ${job.id} is ${job.status}, not COMPLETED`
          : `COMPLETED job ${job.id} has no ${missing.length > 0 ? missing.join(', ') : 'downloadUrl'}`;
    throw new NamedError(ERROR_NAMES.protocol, `Cannot copy: ${problem}`);
  }
  return { id: job.id, downloadUrl: job.downloadUrl, expireAt: job.expireAt!, rowCount: job.rowCount! };
};
