/**
 * Create export job: asks LinkedIn to export the task's claimed window. The claim in the export
 * ledger records the intent before the request and the job id after it, so a create whose answer
 * is lost is counted and bounded instead of silently repeated (ledger/job-record.ts). Throttling
 * and outages surface as named errors that the state machine retries with backoff.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type ExportTask, exportTaskSchema } from '../contract/state';
import { clearCreateIntent, recordCreatedJob, recordCreateIntent } from '../ledger/job-record';
import { claimLost } from '../ledger/landing';
import { ledgerOf } from '../ledger/location';
import { ledgerKeyOf, updateLedger } from '../ledger/store';
import { LinkedInError, LinkedInUnavailable } from '../linkedin/errors';
import { metrics } from '../powertools';
import { pairAuthorization } from '../tokens/assign';
import { notesOf } from '../workflow/claim-steps';
import { s3Uri } from '../workflow/keys';
import { afterJobCreated, currentWindow } from '../workflow/transitions';
import type { CreateJobDependencies, Provide } from './dependencies';
import { logKeys } from './log-keys';
import { type HandlerOptions, withPowertools } from './middy';

/** LinkedIn answered (so no job was made), as opposed to a request whose fate is unknown. */
const answeredWithoutJob = (error: unknown): boolean =>
  error instanceof LinkedInError && !(error instanceof LinkedInUnavailable && error.reason !== 'http');

export const createCreateJobHandler = (provide: Provide<CreateJobDependencies>, options?: HandlerOptions) =>
  withPowertools(
    exportTaskSchema,
    async (task, _context, log): Promise<ExportTask> => {
      const deps = provide();
      const { linkedIn, now } = deps;
      const window = currentWindow(task);
      log.appendKeys(logKeys(task));
      const owner = task.owner;
      const at = ledgerOf(deps, task);
      const lost = () => claimLost(owner, window, s3Uri(at.bucket, ledgerKeyOf(at)));
      if (!owner) throw lost();

      const { result: intent } = await updateLedger(at, (ledger) => recordCreateIntent(ledger, owner, window, now(), task.jobIds), {
        now,
        seedFromManifests: false,
      });
      if (intent.kind === 'lost') throw lost();
      if (intent.kind === 'known') {
        log.info('The claim already names a job this step created before it stopped; checking it instead', { jobId: intent.jobId });
        return afterJobCreated(task, intent.jobId, intent.createdAt);
      }
      const unconfirmedBefore = notesOf(task).unconfirmedCreates;
      if (intent.unconfirmed > unconfirmedBefore) {
        log.warn('The previous create lost its answer: LinkedIn may hold a job for this window that nobody can name', {
          unconfirmedCreates: intent.unconfirmed,
        });
        metrics.addMetric('UnconfirmedJobCreates', MetricUnit.Count, intent.unconfirmed - unconfirmedBefore);
      }

      let job: { id: number; status: string };
      try {
        job = await linkedIn(pairAuthorization(task)).createExportJob(task.exportType, task.contract, window.startAt, window.endAt);
      } catch (error) {
        // A create LinkedIn refused made no job: clear the intent. One whose answer never came
        // keeps it, and the next create counts it as unconfirmed.
        if (answeredWithoutJob(error))
          await updateLedger(at, (ledger) => ({ ledger: clearCreateIntent(ledger, owner, window), result: undefined }), {
            now,
            seedFromManifests: false,
          });
        throw error;
      }
      const createdAt = now();
      const { result: recorded } = await updateLedger(
        at,
        (ledger) => {
          const next = recordCreatedJob(ledger, owner, window, job.id, createdAt);
          return { ledger: next, result: next !== undefined };
        },
        { now, seedFromManifests: false },
      );
      if (!recorded) throw lost();
      log.info('Export job created', { jobId: job.id, status: job.status });
      metrics.addMetric('JobsCreated', MetricUnit.Count, 1);
      const created = afterJobCreated(task, job.id, createdAt);
      return intent.unconfirmed > unconfirmedBefore
        ? { ...created, ledger: { ...notesOf(task), unconfirmedCreates: intent.unconfirmed } }
        : created;
    },
    options,
  );
