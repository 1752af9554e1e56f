/**
 * Plan exports: turns the execution input (console JSON or the schedule's
 * `{"scheduledTime": ...}`) into one task per (contract, export type), written to S3 for the
 * Distributed Map's ItemReader: however many pairs there are, no state carries them. Invalid input
 * fails here, as `InvalidInput`, before any LinkedIn call.
 */
import { NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import type { ExportType } from '../contract/export-types';
import { type ExportTask, type PlanResult, planEventSchema } from '../contract/state';
import { metrics } from '../powertools';
import { mergeDiscoveredContracts } from '../workflow/discover';
import { planSettingsFromConfig, planTasks, resolvePlanRequest } from '../workflow/input';
import { runKeys } from '../workflow/keys';
import { rerunTasks } from '../workflow/rerun';
import { NotJsonError, readS3Json, writeS3Json } from '../s3-json';
import { ledgerOf } from '../ledger/location';
import { planAgainstLedger } from '../ledger/plan-against-ledger';
import type { PlanDependencies, Provide } from './dependencies';
import { type HandlerOptions, withPowertools } from './middy';

/** The earlier run's report, for a rerun; a missing one is the input's fault. */
const readReport = async (s3: S3Client, bucket: string, prefix: string, executionName: string): Promise<unknown> => {
  const { reportKey } = runKeys(prefix, executionName);
  try {
    return await readS3Json(s3, bucket, reportKey);
  } catch (error) {
    if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') {
      throw new NamedError(
        ERROR_NAMES.invalidInput,
        `Invalid input: rerunOf: no run report for execution ${executionName} (s3://${bucket}/${reportKey}); did that execution reach "Summarize run"?`,
      );
    }
    if (error instanceof NotJsonError) {
      throw new NamedError(ERROR_NAMES.invalidInput, `Invalid input: rerunOf: the run report of ${executionName} is not JSON`);
    }
    throw error;
  }
};

export const createPlanHandler = (provide: Provide<PlanDependencies>, options?: HandlerOptions) =>
  withPowertools(
    planEventSchema,
    async (event, _context, log): Promise<PlanResult> => {
      const { config, s3, linkedIn } = provide();
      const request = resolvePlanRequest(event.input, event.executionStartTime, planSettingsFromConfig(config));
      let tasks: ExportTask[];
      let contracts: number;
      let exportTypes: ExportType[];
      if ('rerunOf' in request) {
        tasks = rerunTasks(request.rerunOf, await readReport(s3, config.BUCKET_NAME, config.KEY_PREFIX, request.rerunOf), {
          force: request.force,
        });
        contracts = new Set(tasks.map((task) => task.contract)).size;
        exportTypes = [...new Set(tasks.map((task) => task.exportType))];
      } else {
        let urns = request.contracts;
        if (request.discover) {
          const listed = await linkedIn().listContracts();
          urns = mergeDiscoveredContracts(request.contracts, listed);
          log.info('Contracts discovered', { listed: listed.length, configured: request.contracts.length, exported: urns.length });
        }
        tasks = planTasks(request, urns);
        contracts = urns.length;
        exportTypes = request.exportTypes;
      }
      // A rerun's pairs may have different windows: the run's window spans them all (the
      // days asked, landed or not).
      const window = tasks.reduce(
        (span, task) => ({
          startAt: Math.min(span.startAt, task.pending[0]?.startAt ?? span.startAt),
          endAt: Math.max(span.endAt, task.pending.at(-1)?.endAt ?? span.endAt),
        }),
        { startAt: Number.MAX_SAFE_INTEGER, endAt: 0 },
      );
      // Days already landed are left out now; the pairs' claims check again (docs/design.md, "Exactly once").
      const planned = await planAgainstLedger(tasks, (task) => ledgerOf({ config, s3 }, task));
      if (planned.corrupt.length > 0) {
        log.warn('Corrupt ledgers: those pairs will fail with LedgerCorrupt unless forced', { ledgers: planned.corrupt.slice(0, 20) });
      }
      if (planned.skippedDays > 0) {
        log.info('Already landed: left out', { pairs: planned.alreadyLanded.length, days: planned.skippedDays });
        metrics.addMetric('DaysAlreadyLanded', MetricUnit.Count, planned.skippedDays);
      }
      tasks = planned.tasks;
      const { itemsKey, reportKey, skippedKey } = runKeys(config.KEY_PREFIX, event.executionName);
      await writeS3Json(s3, config.BUCKET_NAME, itemsKey, tasks);
      await writeS3Json(s3, config.BUCKET_NAME, skippedKey, planned.alreadyLanded);
      log.info('Planned exports', { pairs: tasks.length, contracts, exportTypes, itemsKey });
      metrics.addMetric('ExportsPlanned', MetricUnit.Count, tasks.length);
      return {
        run: {
          bucket: config.BUCKET_NAME,
          executionName: event.executionName,
          executionArn: event.executionArn,
          itemsKey,
          reportKey,
          skippedKey,
        },
        pairs: tasks.length,
        // The days of the pairs left out; a pair that still runs counts its skipped days in its own notes.
        alreadyLanded: { pairs: planned.alreadyLanded.length, days: planned.alreadyLanded.reduce((days, pair) => days + pair.days, 0) },
        contracts,
        exportTypes,
        window,
      };
    },
    options,
  );
