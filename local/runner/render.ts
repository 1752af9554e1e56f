/**
 * How a local run looks: one line per thing that happens to an export (job created, status,
 * attempt, next wait), a progress bar while a CSV is copied (terminal only), and a summary table
 * with where the CSVs are, and what the export ledger changed. Pure formatting functions plus a
 * small writer that owns the cursor.
 */
import type { ExportType } from '../../lambdas/shared/contract/export-types';
import type { RunCounts } from '../../lambdas/shared/contract/run-report';
import type { ExportWindow } from '../../lambdas/shared/contract/state';
import { formatDuration } from '../../lambdas/shared/workflow/duration';
import { formatUtcDay } from '../../lambdas/shared/contract/utc-day';
import type { ExportRef, RunEvent } from './progress';
import type { LandedExport, RunLocalResult } from './run-local';

const MIB = 1024 * 1024;

/** `activity 123456 2026-11-26..2026-11-27` (end exclusive, as in the keys). */
export const exportLabel = (ref: ExportRef): string => {
  const contract = ref.contract.slice(ref.contract.lastIndexOf(':') + 1);
  const window = ref.window ? ` ${formatUtcDay(ref.window.startAt)}..${formatUtcDay(ref.window.endAt)}` : '';
  return `${ref.exportType} ${contract}${window}`;
};

/** `4.0 KiB`, `12.3 MiB`, `1.20 GiB`. */
export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${(bytes / 1024 / MIB).toFixed(2)} GiB`;
};

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * The line for one event, or undefined for events shown otherwise (copy progress).
 *
 * @param timeScale to say how long a wait really takes locally
 */
export const eventLine = (event: RunEvent, timeScale: number): string | undefined => {
  const scaled = (seconds: number) =>
    timeScale === 1 ? formatDuration(seconds) : `${formatDuration(seconds)}, ${(seconds * timeScale).toFixed(1)} s here`;
  switch (event.kind) {
    case 'info':
      return event.message;
    case 'planned':
      return `Planned ${event.pairs} pair(s): ${event.contracts} contract(s) × ${event.exportTypes.join(', ')}, ${formatUtcDay(event.window.startAt)}..${formatUtcDay(event.window.endAt)}`;
    case 'pairFailed':
      return `${exportLabel(event.export)}: FAILED with ${event.error}: ${oneLine(event.cause)}`;
    case 'summarized': {
      const { counts, reportUri } = event.summary;
      const skipped = counts.skippedDays > 0 ? `, ${plural(counts.skippedDays, 'day')} already landed (skipped)` : '';
      return `Summarized: ${counts.landed} of ${counts.pairs} pair(s) landed ${counts.objects} object(s), ${counts.failed} failed${skipped}; report ${reportUri}`;
    }
    case 'jobCreated':
      return `${exportLabel(event.export)}: job ${event.jobId} created`;
    case 'jobChecked': {
      const head = `${exportLabel(event.export)}: job ${event.jobId}`;
      switch (event.next) {
        case 'poll':
          return `${head} ${event.status ?? ''}, check ${event.polls}, next check in ${scaled(event.waitSeconds)}`;
        case 'copy':
          return `${head} ${event.status ?? 'COMPLETED'} after ${event.polls} check(s)`;
        case 'split':
          return `${head} too large for one file: exporting the window in halves`;
        case 'dataDelay':
          return `${head} data not refreshed yet (DATA_DELAY), attempt ${event.attempt}, new job in ${scaled(event.waitSeconds)}`;
        case 'recreate':
          return `${head} failed at LinkedIn, attempt ${event.attempt}, new job in ${scaled(event.waitSeconds)}`;
        default:
          return `${head} ${event.next}`;
      }
    }
    case 'copyStarted':
      return `${exportLabel(event.export)}: copying job ${event.jobId ?? '?'} CSV to S3`;
    case 'copyProgress':
      return undefined;
    case 'landed': {
      const r = event.result;
      const more = r.objects > 1 ? ` and ${r.objects - 1} more day object(s)` : '';
      return `${exportLabel({ ...r, window: r })}: landed ${r.s3Uri}${more} (${r.rowCount} rows${r.empty ? ', empty' : ''}, ${formatBytes(r.bytes)}, sha256 ${r.sha256.slice(0, 12)}…)`;
    }
    case 'retrying':
      return `${event.export ? `${exportLabel(event.export)}: ` : ''}${event.state} failed with ${event.error}${event.cause ? ` (${oneLine(event.cause)})` : ''}; retry ${event.attempt}`;
    case 'failed':
      return `${event.export ? `${exportLabel(event.export)}: ` : ''}${event.state} failed with ${event.error}: ${oneLine(event.cause)}`;
  }
};

/** `[#########...........]  45%  12.0 MiB / 26.7 MiB  31.2 MB/s  activity 123456 …` */
export const progressBar = (event: Extract<RunEvent, { kind: 'copyProgress' }>, width = 24): string => {
  const fraction = event.total > 0 ? Math.min(1, event.bytes / event.total) : 0;
  const filled = Math.round(fraction * width);
  const rate = (event.bytesPerSecond / 1e6).toFixed(1);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${formatBytes(event.bytes)} / ${formatBytes(event.total)}  ${rate} MB/s  ${exportLabel(event.export)}`;
};

/** A plain text table, columns padded to their widest cell. */
export const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
};

/** `1 day`, `6 days`. */
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** Pairs, job ids and keys listed under each line of what the ledger changed, before "… and N more". */
export const LEDGER_ROWS = 10;

/**
 * What the export ledger changed about a run, as `status` and npm start's summary show it: the
 * counts, and the lists when the run report is at hand (without them, the counts alone).
 */
export interface LedgerChanges {
  counts: Pick<RunCounts, 'alreadyLandedPairs' | 'skippedDays' | 'resumedJobs' | 'superseded' | 'unconfirmedCreates'>;
  /** The pairs with days skipped as already landed (left out by the Plan, or cut from their work), in plan order. */
  skipped?: Array<{ exportType: ExportType; contract: string; windows: ExportWindow[] }>;
  /** The LinkedIn jobs resumed (those the pairs' notes kept). */
  resumedJobIds?: number[];
  /** The keys of the objects moved to superseded/ (those the pairs' notes kept). */
  superseded?: string[];
}

/** `2026-11-01 → 2026-11-03` */
const daysOf = (window: ExportWindow): string => `${formatUtcDay(window.startAt)} → ${formatUtcDay(window.endAt)}`;

const andMore = (total: number, shown: number): string[] => (total > shown ? [`  … and ${total - shown} more`] : []);

/**
 * What the export ledger changed: days skipped as already landed (the words "already landed" on
 * every such line, so a skipped day is never mistaken for a missing one), jobs resumed, objects
 * superseded and creates unconfirmed; nothing when it changed nothing. Lists stop at `max`.
 */
export const ledgerLines = (changes: LedgerChanges, max: number = LEDGER_ROWS): string[] => {
  const { counts, skipped } = changes;
  const lines: string[] = [];
  if (counts.skippedDays > 0 || counts.alreadyLandedPairs > 0) {
    const days = plural(counts.skippedDays, 'day');
    if (skipped) {
      lines.push(`Already landed (skipped): ${plural(Math.max(skipped.length, counts.alreadyLandedPairs), 'pair')}, ${days}`);
      for (const pair of skipped.slice(0, max)) {
        lines.push(`  ${pair.exportType} ${pair.contract} ${pair.windows.map(daysOf).join(', ')} (end exclusive) already landed`);
      }
      lines.push(...andMore(skipped.length, Math.min(max, skipped.length)));
    } else {
      // The counts alone say how many pairs were left out, not how many others had days cut.
      const leftOut = counts.alreadyLandedPairs > 0 ? `, ${plural(counts.alreadyLandedPairs, 'pair')} left out entirely` : '';
      lines.push(`Already landed (skipped): ${days}${leftOut}`);
    }
  }
  if (counts.resumedJobs > 0) {
    const ids = (changes.resumedJobIds ?? []).slice(0, max);
    const more = counts.resumedJobs > ids.length ? ` and ${counts.resumedJobs - ids.length} more` : '';
    const listed = ids.length > 0 ? ` (${ids.length === 1 && !more ? 'job' : 'jobs'} ${ids.join(', ')}${more})` : '';
    lines.push(`Resumed LinkedIn jobs: ${counts.resumedJobs}${listed}`);
  }
  if (counts.superseded > 0) {
    lines.push(`Superseded: ${plural(counts.superseded, 'object')} moved to superseded/`);
    const keys = (changes.superseded ?? []).slice(0, max);
    for (const key of keys) lines.push(`  ${key}`);
    if (keys.length > 0) lines.push(...andMore(counts.superseded, keys.length));
  }
  if (counts.unconfirmedCreates > 0) {
    lines.push(`Unconfirmed creates: ${counts.unconfirmedCreates} (see npm run cli -- ledger)`);
  }
  return lines;
};

/** The cells every table of landed exports starts with (local run summary, deployed status). */
export const EXPORT_COLUMNS = ['TYPE', 'CONTRACT', 'WINDOW (end excl.)', 'ROWS'];
export const exportCells = (e: Pick<LandedExport, 'exportType' | 'contract' | 'startAt' | 'endAt' | 'rowCount' | 'empty'>): string[] => [
  e.exportType,
  e.contract,
  `${formatUtcDay(e.startAt)}..${formatUtcDay(e.endAt)}`,
  `${e.rowCount}${e.empty ? ' (empty)' : ''}`,
];

/** Rows a summary table shows before it says how many more the report lists. */
export const SUMMARY_ROWS = 20;

const more = (total: number, shown: number, result: RunLocalResult): string[] =>
  total > shown ? [`… and ${total - shown} more${result.reportUri ? ` (the run report lists them: ${result.reportUri})` : ''}`] : [];

/**
 * The end of a run: the table of landed objects and where to find them, what the export ledger
 * changed, or the failure.
 *
 * @param result with `ledger`, the lists of what the ledger changed (from the run report);
 *   without it, the counts alone
 */
export const summary = (result: RunLocalResult): string => {
  const lines: string[] = [];
  const shown = result.exports.slice(0, SUMMARY_ROWS);
  if (shown.length > 0) {
    lines.push(
      table(
        [...EXPORT_COLUMNS, 'SIZE', 'SHA-256', 'JOBS'],
        shown.map((e) => [...exportCells(e), formatBytes(e.bytes), `${e.sha256.slice(0, 12)}…`, e.jobIds.join(',')]),
      ),
      ...more(result.exports.length, shown.length, result),
      '',
    );
    lines.push(result.s3.endpoint ? `Objects (S3 at ${result.s3.endpoint}):` : 'Objects:');
    for (const e of shown) lines.push(`  ${e.s3Uri}${e.objects > 1 ? ` (+${e.objects - 1} more days: ${e.manifestUri})` : ''}`);
    if (result.s3.directory) {
      lines.push('', `CSV files (local S3 data, kept after the run in ${result.s3.directory}):`);
      for (const e of shown) lines.push(`  ${result.s3.files[e.s3Uri] ?? ''}`);
    }
    lines.push('');
  }
  if (result.failed.length > 0) {
    const failed = result.failed.slice(0, SUMMARY_ROWS);
    lines.push(
      'Failed pairs:',
      table(
        ['TYPE', 'CONTRACT', 'WINDOW (end excl.)', 'ERROR', 'CAUSE'],
        failed.map((f) => [
          f.exportType,
          f.contract,
          `${formatUtcDay(f.startAt)}..${formatUtcDay(f.endAt)}`,
          f.error,
          oneLine(f.cause).slice(0, 80),
        ]),
      ),
      ...more(result.failed.length, failed.length, result),
      '',
    );
  }
  const counts = result.counts;
  const changes = result.ledger ?? (counts && { counts });
  const ledger = changes ? ledgerLines(changes) : [];
  if (ledger.length > 0) lines.push(...ledger, '');
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (result.status === 'SUCCEEDED' && counts && counts.pairs === 0 && counts.alreadyLandedPairs > 0) {
    lines.push(
      `SUCCEEDED in ${seconds} s: nothing to export, every day asked had already landed ` +
        `(${plural(counts.alreadyLandedPairs, 'pair')}, ${plural(counts.skippedDays, 'day')}).`,
    );
  } else if (result.status === 'SUCCEEDED') {
    const skipped = counts && counts.skippedDays > 0 ? `; ${plural(counts.skippedDays, 'day')} already landed (skipped)` : '';
    lines.push(
      `SUCCEEDED: ${result.exports.length} export(s) landed and verified in ${seconds} s${counts ? ` (${counts.pairs} pair(s))` : ''}${skipped}.`,
    );
  } else if (counts && counts.landed > 0) {
    lines.push(
      `FAILED after ${seconds} s: ${result.error}: ${counts.landed} of ${counts.pairs} pair(s) landed ${counts.objects} verified object(s), ` +
        `${counts.failed} failed (listed above). Run them again: npm start -- --rerun-of ${result.executionName}`,
    );
  } else {
    lines.push(`FAILED after ${seconds} s: ${result.error}: ${oneLine(result.cause ?? '')}`);
  }
  return lines.join('\n');
};

/** The one line a failed run prints on stderr: the error name and a one-line cause. */
export const failureLine = (result: RunLocalResult): string => `${result.error}: ${oneLine(result.cause ?? '')}`;

export interface ProgressWriter {
  onEvent(event: RunEvent): void;
  /** Clears the progress bar (before the summary). */
  end(): void;
}

/**
 * Writes event lines to `stream`; on a terminal, copy progress is one bar redrawn in place
 * below the lines (at most ten redraws a second), otherwise it is left out.
 */
export const createProgressWriter = (stream: NodeJS.WritableStream & { isTTY?: boolean }, timeScale: number): ProgressWriter => {
  const tty = stream.isTTY === true;
  let barShown = false;
  let lastDraw = 0;
  const clearBar = () => {
    if (barShown) stream.write('\r\x1b[2K');
    barShown = false;
  };
  return {
    onEvent(event) {
      if (event.kind === 'copyProgress') {
        const now = Date.now();
        if (!tty || (now - lastDraw < 100 && event.bytes < event.total)) return;
        lastDraw = now;
        clearBar();
        stream.write(progressBar(event));
        barShown = true;
        return;
      }
      const line = eventLine(event, timeScale);
      if (line === undefined) return;
      clearBar();
      stream.write(`${line}\n`);
    },
    end: clearBar,
  };
};
