/**
 * Copy CSV to S3: fetches a fresh download URL by GETting the job (the URL never enters
 * state), streams the CSV into S3, verifies bytes, rows and SHA-256, and only then
 * publishes it at its deterministic key. Only the holder of the window's claim in the export
 * ledger copies; the landing is recorded in the ledger (which releases the claim), and a forced
 * export moves the objects it supersedes out of the data location (docs/design.md, "Exactly once").
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ERROR_NAMES } from '../contract/error-names';
import type { LedgerObject } from '../contract/ledger';
import { DAY_MS } from '../contract/linkedin-limits';
import { MAX_RESULTS_IN_TASK } from '../contract/quotas';
import { type ExportTask, exportTaskSchema } from '../contract/state';
import { copyExport, windowKeys } from '../copy/copy-export';
import { describeAppended } from '../copy/schema-drift';
import { ownClaim } from '../ledger/claims';
import { claimLost, landObjects, markMoved, moveSuperseded, preserveBeforeOverwrite } from '../ledger/landing';
import { ledgerOf } from '../ledger/location';
import { ledgerKeyOf, readLedger, updateLedger } from '../ledger/store';
import { pairAuthorization } from '../tokens/assign';
import { notesOf } from '../workflow/claim-steps';
import { s3Uri } from '../workflow/keys';
import { copySettingsFromConfig } from '../copy/settings';
import { metrics } from '../powertools';
import { afterCopied, currentJob, currentWindow } from '../workflow/transitions';
import type { CopyDependencies, Provide } from './dependencies';
import { logKeys } from './log-keys';
import { type HandlerOptions, withPowertools } from './middy';

/** One `SchemaDrift` datapoint, by export type: new columns that landed, or a header that was quarantined. */
const schemaDrift = (exportType: string): void => {
  const single = metrics.singleMetric();
  single.addDimension('ExportType', exportType);
  single.addMetric('SchemaDrift', MetricUnit.Count, 1);
};

export const createCopyHandler = (provide: Provide<CopyDependencies>, options?: HandlerOptions) =>
  withPowertools(
    exportTaskSchema,
    async (task, context, log): Promise<ExportTask> => {
      const deps = provide();
      const window = currentWindow(task);
      const job = currentJob(task);
      log.appendKeys({ ...logKeys(task), jobId: job.id });
      const { exportType, contract } = task;
      const owner = task.owner;
      const at = ledgerOf({ config: deps.config, s3: deps.s3 }, task);
      const lost = (holder?: string) => claimLost(owner, window, s3Uri(at.bucket, ledgerKeyOf(at)), holder);
      const keys = windowKeys(deps.config.KEY_PREFIX, exportType, contract, window);

      // Only the claim's holder may write this window's keys (so an open upload there is a killed copy's).
      const before = await readLedger(at);
      if (!owner || !before.ledger || !ownClaim(before.ledger, owner, window)) {
        throw lost(before.ledger?.claims.find((c) => c.startAt < window.endAt && window.startAt < c.endAt)?.owner);
      }
      // A forced export overwrites the landed days' objects (a day always has the same key): keep them first.
      for (const { key } of keys.days) {
        const kept = await preserveBeforeOverwrite(deps.s3, at.bucket, at.prefix, before.ledger, key);
        if (kept) log.info('Kept the object this forced export overwrites', { key, landedAt: kept.landedAt });
      }

      const outcome = await copyExport(
        { exportType, contract, window, jobId: job.id, jobIds: task.jobIds },
        {
          ...copySettingsFromConfig(deps.config, { checksumFromS3: deps.s3IsAws, allowHttpLoopback: deps.allowHttpLoopback ?? false }),
          getJob: (id, jobContract, options) => deps.linkedIn(pairAuthorization(task)).getExportJob(id, jobContract, options),
          s3: deps.s3,
          downloadAuthorization: async () => `Bearer ${await deps.token(pairAuthorization(task))}`,
          remainingTimeMs: () => context.getRemainingTimeInMillis(),
          now: deps.now,
          onProgress: deps.onProgress && (({ bytes, total }) => deps.onProgress?.({ exportType, contract, ...window, bytes, total })),
          logger: log,
        },
      ).catch((error: unknown) => {
        // A header that does not match: the file is in quarantine and the pair fails; count it too.
        if ((error as Error).name === ERROR_NAMES.schemaDrift) schemaDrift(exportType);
        throw error;
      });

      log.info('Export copied', {
        s3Uri: outcome.s3Uri,
        objects: outcome.days.length,
        rows: outcome.rowCount,
        bytes: outcome.bytes,
        sha256: outcome.sha256,
        empty: outcome.empty,
      });
      const landedAt = new Date(deps.now()).toISOString();
      const objects: LedgerObject[] = outcome.days.map((day) => ({
        startAt: day.day,
        endAt: day.day + DAY_MS,
        key: day.key,
        manifestKey: keys.manifestKey,
        ...(day.versionId ? { versionId: day.versionId } : {}),
        ...(day.etag ? { etag: day.etag } : {}),
        sha256: day.sha256,
        rows: day.rows,
        bytes: day.bytes,
        jobId: job.id,
        landedBy: owner,
        landedAt,
      }));
      const { result: landing } = await updateLedger(
        at,
        (ledger) => {
          const landed = landObjects(ledger, owner, window, objects, deps.config.KEY_PREFIX);
          return { ledger: landed?.ledger, result: landed };
        },
        { now: deps.now, seedFromManifests: false },
      );
      // The objects are in place and verified, but the claim went to another execution meanwhile:
      // say so rather than report a landing the ledger does not record.
      if (!landing) throw lost();
      const superseded = landing.superseded;
      if (superseded.length > 0) {
        const moved = await moveSuperseded(deps.s3, at.bucket, superseded);
        await updateLedger(at, (ledger) => ({ ledger: markMoved(ledger, moved), result: undefined }), {
          now: deps.now,
          seedFromManifests: false,
        });
        log.info('Superseded older objects: moved out of the data location', {
          superseded: superseded.map((s) => ({ key: s.key, movedTo: s.movedTo })),
        });
        metrics.addMetric('ObjectsSuperseded', MetricUnit.Count, superseded.length);
      }

      if (outcome.extraColumns.length > 0) {
        // New columns at the end: landed (the tables read the expected ones), and said loudly.
        log.warn(describeAppended({ exportType, contract, window, jobId: job.id }, outcome.extraColumns), {
          extraColumns: outcome.extraColumns,
          manifest: outcome.manifestUri,
        });
        schemaDrift(exportType);
      }
      if (outcome.staleUploadsAborted > 0) metrics.addMetric('StaleUploadsAborted', MetricUnit.Count, outcome.staleUploadsAborted);
      metrics.addMetric('Rows', MetricUnit.Count, outcome.rowCount);
      metrics.addMetric('Bytes', MetricUnit.Bytes, outcome.bytes);
      if (outcome.seconds > 0) metrics.addMetric('CopyThroughput', MetricUnit.MegabytesPerSecond, outcome.bytes / 1e6 / outcome.seconds);
      if (outcome.empty) metrics.addMetric('EmptyExports', MetricUnit.Count, 1);

      const notes = notesOf(task);
      const withNotes: ExportTask =
        superseded.length > 0
          ? {
              ...task,
              ledger: {
                ...notes,
                superseded: [...notes.superseded, ...superseded.map((s) => s.key)].slice(0, MAX_RESULTS_IN_TASK),
                supersededCount: notes.supersededCount + superseded.length,
              },
            }
          : task;
      return afterCopied(withNotes, {
        exportType,
        contract,
        startAt: window.startAt,
        endAt: window.endAt,
        jobIds: task.jobIds,
        rowCount: outcome.rowCount,
        bytes: outcome.bytes,
        sha256: outcome.sha256,
        s3Uri: outcome.s3Uri,
        manifestUri: outcome.manifestUri,
        objects: outcome.days.length,
        empty: outcome.empty,
      });
    },
    options,
  );
