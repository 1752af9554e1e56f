/**
 * Summarize run: reads the Distributed Map's results (ResultWriter's manifest and result files)
 * and the pairs the Plan left out as already landed, writes the run report next to the run's
 * items, publishes the pair counts, and returns the bounded summary the state machine ends with
 * (succeeded, or failed with PartialFailure / the pairs' error). docs/design.md, "Partner scale".
 */
import { NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type ChildResult,
  childResultSchema,
  mapRunManifestSchema,
  mapRunOutputSchema,
  TOLERATED_FAILURE_EXCEEDED,
} from '../contract/map-run';
import { alreadyLandedListSchema, type RunSummary } from '../contract/run-report';
import { type AlreadyLandedPair, summarizeEventSchema } from '../contract/state';
import { metrics } from '../powertools';
import { s3Uri } from '../workflow/keys';
import { readS3Json, writeS3Json } from '../s3-json';
import { mapPairsOf, summarizeRun } from '../workflow/summarize';
import type { Provide, SummarizeDependencies } from './dependencies';
import { type HandlerOptions, withPowertools } from './middy';

/** Every child entry of the Map Run, from the manifest's result files. */
const readChildResults = async (s3: S3Client, output: unknown): Promise<{ mapRunArn: string; entries: ChildResult[] }> => {
  const { MapRunArn, ResultWriterDetails } = mapRunOutputSchema.parse(output);
  const manifest = mapRunManifestSchema.parse(await readS3Json(s3, ResultWriterDetails.Bucket, ResultWriterDetails.Key));
  const files = [
    ...(manifest.ResultFiles.SUCCEEDED ?? []),
    ...(manifest.ResultFiles.FAILED ?? []),
    ...(manifest.ResultFiles.PENDING ?? []),
  ];
  const entries: ChildResult[] = [];
  for (const file of files) {
    const content = await readS3Json(s3, manifest.DestinationBucket, file.Key);
    if (!Array.isArray(content)) throw new Error(`s3://${manifest.DestinationBucket}/${file.Key} is not a JSON array of child results`);
    for (const [index, entry] of content.entries()) {
      const parsed = childResultSchema.safeParse(entry);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `s3://${manifest.DestinationBucket}/${file.Key}, entry ${index}: not a child execution result (${issue?.path.join('.') || 'root'}: ${issue?.message})`,
        );
      }
      entries.push(parsed.data);
    }
  }
  return { mapRunArn: MapRunArn, entries };
};

/**
 * The pairs the Plan left out, every day asked already landed: the list it wrote at `key`. No
 * object means none were (nothing else writes there); one that is not that list is an error, not
 * an empty list, since the report would then hide what the Plan skipped.
 */
const readAlreadyLanded = async (s3: S3Client, bucket: string, key: string): Promise<AlreadyLandedPair[]> => {
  let json: unknown;
  try {
    json = await readS3Json(s3, bucket, key);
  } catch (error) {
    if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return [];
    throw error;
  }
  const parsed = alreadyLandedListSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `s3://${bucket}/${key} is not the Plan's list of already landed pairs (${issue?.path.join('.') || 'root'}: ${issue?.message})`,
    );
  }
  return parsed.data;
};

export const createSummarizeHandler = (provide: Provide<SummarizeDependencies>, options?: HandlerOptions) =>
  withPowertools(
    summarizeEventSchema,
    async (event, _context, log): Promise<RunSummary> => {
      const { s3, now } = provide();
      const { run } = event;
      const results = event.mapRun === undefined ? undefined : await readChildResults(s3, event.mapRun);
      const notRun = event.mapFailure && {
        error: event.mapFailure.Error,
        cause:
          event.mapFailure.Error === TOLERATED_FAILURE_EXCEEDED
            ? 'Not run: the Map stopped at its tolerated failure threshold before this pair started.'
            : `Not run: the Map failed with ${event.mapFailure.Error}.`,
      };
      const reportUri = s3Uri(run.bucket, run.reportKey);
      const { pairs, failedPairsSkippedDays } = mapPairsOf(results?.entries ?? [], notRun);
      const alreadyLanded = await readAlreadyLanded(s3, run.bucket, run.skippedKey);
      if (alreadyLanded.length !== event.alreadyLanded.pairs) {
        // The list is what the report shows; a count that disagrees means the file was changed since.
        log.warn('The already landed pairs listed differ from the count the Plan returned', {
          listed: alreadyLanded.length,
          planned: event.alreadyLanded.pairs,
          skippedKey: run.skippedKey,
        });
      }
      const { report, summary } = summarizeRun({
        executionName: run.executionName,
        executionArn: run.executionArn,
        mapRunArn: results?.mapRunArn ?? null,
        plannedPairs: event.pairs,
        pairs,
        ...(event.mapFailure && { mapFailure: event.mapFailure }),
        reportUri,
        createdAt: new Date(now()).toISOString(),
        alreadyLanded,
        failedPairsSkippedDays,
      });
      await writeS3Json(s3, run.bucket, run.reportKey, report);
      log.info('Run summarized', { outcome: summary.outcome, error: summary.error, ...summary.counts, reportUri });
      metrics.addMetric('PairsLanded', MetricUnit.Count, summary.counts.landed);
      metrics.addMetric('PairsFailed', MetricUnit.Count, summary.counts.failed);
      metrics.addMetric('ObjectsLanded', MetricUnit.Count, summary.counts.objects);
      for (const [errorName, count] of Object.entries(report.failedByError)) {
        const single = metrics.singleMetric();
        single.addDimension('ErrorName', errorName);
        single.addMetric('PairsFailed', MetricUnit.Count, count);
      }
      return summary;
    },
    options,
  );
