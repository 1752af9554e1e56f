/**
 * `npm run cli -- status` for a distributed run: reads the run report the Summarize step wrote to
 * S3 and shows what happened to every (contract, export type) pair. A report that cannot be read
 * is a warning, never a failure of `status`: the execution part is shown all the same.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { readS3Text } from '../../lambdas/shared/s3-json';
import { comparePairs, failedPairOf } from '../../lambdas/shared/workflow/summarize';
import { type FailedPair, type PairReport, type RunReport, runReportSchema } from '../../lambdas/shared/contract/run-report';
import { formatUtcDay } from '../../lambdas/shared/contract/utc-day';
import { parseS3Uri } from '../s3-client';
import { formatBytes, type LedgerChanges, ledgerLines, table } from './render';

/** Rows of the pair table in text mode; `--json` lists every pair. */
export const MAX_PAIR_ROWS = 20;

export type RunReportRead = { ok: true; report: RunReport } | { ok: false; reason: string };

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Why S3 refused, in a few words (the error name stays, for searching). */
const s3Reason = (error: unknown): string => {
  const e = error instanceof Error ? error : new Error(String(error));
  switch (e.name) {
    case 'NoSuchKey':
    case 'NotFound':
      return 'NoSuchKey: the object does not exist';
    case 'NoSuchBucket':
      return 'NoSuchBucket: the bucket does not exist';
    case 'AccessDenied':
    case 'Forbidden':
      return `AccessDenied: these credentials may not read it (s3:GetObject)${e.message && e.message !== e.name ? `: ${oneLine(e.message)}` : ''}`;
    default:
      return `${e.name}: ${oneLine(e.message)}`;
  }
};

/**
 * Reads and validates the run report at `uri`; never throws.
 *
 * @param executionName when given, a report of another execution is refused
 */
export const readRunReport = async (s3: S3Client, uri: string, executionName?: string): Promise<RunReportRead> => {
  let location: { bucket: string; key: string };
  try {
    location = parseS3Uri(uri);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  let text: string;
  try {
    text = await readS3Text(s3, location.bucket, location.key);
  } catch (error) {
    return { ok: false, reason: s3Reason(error) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${oneLine((error as Error).message)})` };
  }
  const parsed = runReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, reason: `not a run report (${where}${issue?.message ?? 'invalid'})` };
  }
  if (executionName !== undefined && parsed.data.executionName !== executionName) {
    return { ok: false, reason: `it is the report of execution ${parsed.data.executionName}` };
  }
  return { ok: true, report: parsed.data };
};

/** Failed pairs first, then the rest, each in report (plan) order. */
export const pairsFailedFirst = (pairs: readonly PairReport[]): PairReport[] => [
  ...pairs.filter((p) => p.outcome === 'failed'),
  ...pairs.filter((p) => p.outcome !== 'failed'),
];

/** Every failed pair as `--json` lists it. */
export const failedPairs = (report: RunReport): FailedPair[] =>
  report.pairs.filter((p) => p.outcome === 'failed').map((p) => failedPairOf(p, Number.POSITIVE_INFINITY));

/**
 * What the export ledger changed in the run: the pairs the Plan left out and the Map's pairs that
 * skipped days (cut by the Plan or by their claims), in plan order; the jobs resumed and the
 * objects superseded as the pairs' notes kept them (the counts count them all).
 */
export const ledgerChangesOf = (report: RunReport): LedgerChanges => {
  const { alreadyLandedPairs, skippedDays, resumedJobs, superseded, unconfirmedCreates } = report.counts;
  const leftOut = report.alreadyLanded.map(({ exportType, contract, windows }) => ({ exportType, contract, windows }));
  const cut = report.pairs.flatMap(({ exportType, contract, ledger }) =>
    ledger && ledger.skippedDays > 0 ? [{ exportType, contract, windows: ledger.skipped }] : [],
  );
  return {
    counts: { alreadyLandedPairs, skippedDays, resumedJobs, superseded, unconfirmedCreates },
    skipped: [...leftOut, ...cut].sort(comparePairs),
    resumedJobIds: report.pairs.flatMap((pair) => pair.ledger?.resumedJobIds ?? []),
    superseded: report.pairs.flatMap((pair) => pair.ledger?.superseded ?? []),
  };
};

/** The `report` of `status --json`. */
export interface RunReportJson {
  uri: string;
  outcome: RunReport['outcome'];
  createdAt: string;
  mapRunArn: string | null;
  counts: RunReport['counts'];
  failedByError: RunReport['failedByError'];
  /** Every pair, failed ones first (a landed pair's `ledger` says what the ledger changed about it). */
  pairs: PairReport[];
  /** The pairs the Plan left out, every day asked already landed. */
  alreadyLanded: RunReport['alreadyLanded'];
}

export const runReportJson = (report: RunReport, uri: string): RunReportJson => ({
  uri,
  outcome: report.outcome,
  createdAt: report.createdAt,
  mapRunArn: report.mapRunArn,
  counts: report.counts,
  failedByError: report.failedByError,
  pairs: pairsFailedFirst(report.pairs),
  alreadyLanded: report.alreadyLanded,
});

/**
 * The pair section of `status`: counts, failures by error name, and a table of pairs (failed
 * first, at most `maxRows`, then a line saying how many more the report holds).
 */
export const runReportText = (report: RunReport, uri: string, maxRows = MAX_PAIR_ROWS): string => {
  const { counts } = report;
  const lines = [
    `Pairs      ${counts.pairs}: ${counts.landed} landed, ${counts.failed} failed`,
    `Landed     ${counts.objects} object(s), ${counts.rows} row(s), ${formatBytes(counts.bytes)}`,
  ];
  const byError = Object.entries(report.failedByError).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (byError.length) lines.push(`Failed by  ${byError.map(([error, n]) => `${error} ${n}`).join(', ')}`);
  lines.push(`Report     ${uri}`);
  const ledger = ledgerLines(ledgerChangesOf(report));
  if (ledger.length) lines.push('', ...ledger);
  const pairs = pairsFailedFirst(report.pairs);
  if (pairs.length) {
    const shown = pairs.slice(0, Math.max(0, maxRows));
    lines.push(
      '',
      table(
        ['TYPE', 'CONTRACT', 'WINDOW (end excl.)', 'OUTCOME', 'ERROR', 'OBJECTS', 'ROWS'],
        shown.map((p) => [
          p.exportType,
          p.contract,
          `${formatUtcDay(p.window.startAt)}..${formatUtcDay(p.window.endAt)}`,
          p.outcome,
          p.error ?? '',
          String(p.landed.objects),
          String(p.landed.rows),
        ]),
      ),
    );
    if (pairs.length > shown.length) lines.push(`… and ${pairs.length - shown.length} more (see report ${uri})`);
  }
  return lines.join('\n');
};
