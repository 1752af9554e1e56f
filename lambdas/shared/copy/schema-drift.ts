/**
 * The schema-drift guard's verdict on a download's header, before anything is published
 * (docs/operations.md, "Schema drift"):
 * - `same`: the header is exactly the expected columns → the file lands;
 * - `appended`: the expected columns, then new ones at the end → the file lands (the tables read
 *   columns by position and ignore the extras), and the copy records the extras in the manifest,
 *   emits a `SchemaDrift` metric and logs a warning ({@link describeAppended});
 * - `drift`: anything else (a column missing, renamed, moved, repeated) → nothing is published
 *   into the table location: the file is kept under `<prefix>quarantine/…` and the pair fails with
 *   the `SchemaDrift` error {@link schemaDriftError} builds.
 *
 * Names are compared exactly, as they are in the file: `SeatId` is not `seatId` (the summary says
 * when only case or spaces differ). Pure: no I/O.
 */
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import { columnListProblems } from '../contract/export-schemas';
import type { ExportType } from '../contract/export-types';
import { formatUtcDay } from '../contract/utc-day';

/** A name at the same place in both lists, under another name: most likely renamed. */
export interface RenamedColumn {
  /** 1-based column number in the observed header. */
  column: number;
  expected: string;
  observed: string;
}

/** A name found in both lists, out of the expected order. */
export interface MovedColumn {
  name: string;
  /** 1-based column numbers. */
  expectedColumn: number;
  observedColumn: number;
}

export interface HeaderDrift {
  kind: 'drift';
  /** Expected names the header lacks (renamed ones included), in expected order. */
  missing: string[];
  /** Header names that are not expected (renamed ones included), in file order. */
  unexpected: string[];
  /** The pairs of `missing` and `unexpected` found at the same place: most likely renames. */
  renamed: RenamedColumn[];
  /** Expected names found out of order (the fewest moves that explain the order). */
  moved: MovedColumn[];
  /** Header names found more than once. */
  duplicated: string[];
  /** The differences in a few words, e.g. `column 3 "seatStatus" is now "status"; missing "x"`. */
  summary: string;
}

export type HeaderComparison = { kind: 'same' } | { kind: 'appended'; extra: string[] } | HeaderDrift;

/** Names listed per kind of difference in a summary before "and N more". */
const LISTED = 8;
/** Headers longer than this (names × names) are aligned greedily instead of by longest common subsequence. */
const MAX_ALIGNMENT_CELLS = 1_000_000;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
/** A name as a message shows it: JSON-quoted (a stray space or quote stays visible), a long one cut. */
const shown = (name: string): string => JSON.stringify(clip(name, 80));

const listed = <T>(items: readonly T[], show: (item: T) => string): string =>
  items.length <= LISTED ? items.map(show).join(', ') : `${items.slice(0, LISTED).map(show).join(', ')} and ${items.length - LISTED} more`;

/**
 * Index pairs (expected, observed) of a longest common subsequence of names, in order: the
 * columns that kept their relative order. Greedy beyond {@link MAX_ALIGNMENT_CELLS}.
 */
const alignment = (expected: readonly string[], observed: readonly string[]): Array<[number, number]> => {
  const n = expected.length;
  const m = observed.length;
  const pairs: Array<[number, number]> = [];
  if ((n + 1) * (m + 1) > MAX_ALIGNMENT_CELLS) {
    let j = 0;
    for (let i = 0; i < n && j < m; i++) {
      const at = observed.indexOf(expected[i]!, j);
      if (at !== -1) {
        pairs.push([i, at]);
        j = at + 1;
      }
    }
    return pairs;
  }
  // lengths[i][j]: LCS of expected[i..] and observed[j..], in one flat array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] =
        expected[i] === observed[j]
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (expected[i] === observed[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) i++;
    else j++;
  }
  return pairs;
};

const sameIgnoringCaseAndSpaces = (a: string, b: string): boolean =>
  a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();

/**
 * Compares the header a file has with the columns it is expected to start with.
 * @param observed the header's names, exactly as in the file (header-line.ts)
 * @param expected the expected names in file order (export-schemas.ts expectedColumnsOf)
 */
export const compareHeader = (observed: readonly string[], expected: readonly string[]): HeaderComparison => {
  const prefixMatches = expected.every((name, i) => observed[i] === name);
  const seen = new Set<string>();
  const duplicated = [...new Set(observed.filter((name) => seen.has(name) || !seen.add(name)))];
  if (prefixMatches && observed.length === expected.length && duplicated.length === 0) return { kind: 'same' };
  if (prefixMatches && observed.length > expected.length && duplicated.length === 0) {
    return { kind: 'appended', extra: observed.slice(expected.length) };
  }

  const expectedSet = new Set(expected);
  const observedSet = new Set(observed);
  const missing = expected.filter((name) => !observedSet.has(name));
  const unexpected = [...new Set(observed.filter((name) => !expectedSet.has(name)))];

  const pairs = alignment(expected, observed);
  const alignedExpected = new Set(pairs.map(([i]) => i));
  const alignedObserved = new Set(pairs.map(([, j]) => j));
  const moved: MovedColumn[] = [];
  expected.forEach((name, i) => {
    if (alignedExpected.has(i) || !observedSet.has(name)) return;
    const j = observed.findIndex((candidate, k) => candidate === name && !alignedObserved.has(k));
    if (j !== -1) moved.push({ name, expectedColumn: i + 1, observedColumn: j + 1 });
  });

  // Between two aligned columns, as many missing names as unexpected ones: renamed in place.
  const renamed: RenamedColumn[] = [];
  const anchors: Array<[number, number]> = [[-1, -1], ...pairs, [expected.length, observed.length]];
  for (let k = 1; k < anchors.length; k++) {
    const [fromI, fromJ] = anchors[k - 1]!;
    const [toI, toJ] = anchors[k]!;
    const gone = expected.slice(fromI + 1, toI).filter((name) => !observedSet.has(name));
    const came: Array<[string, number]> = [];
    for (let j = fromJ + 1; j < toJ; j++) if (!expectedSet.has(observed[j]!)) came.push([observed[j]!, j]);
    if (gone.length > 0 && gone.length === came.length) {
      renamed.push(...gone.map((name, g) => ({ column: came[g]![1] + 1, expected: name, observed: came[g]![0] })));
    }
  }

  const drift = { kind: 'drift' as const, missing, unexpected, renamed, moved, duplicated };
  return { ...drift, summary: driftSummary(drift, observed, expected.length) };
};

/** The differences in a few words, renames first. */
const driftSummary = (drift: Omit<HeaderDrift, 'summary'>, observed: readonly string[], expectedCount: number): string => {
  if (observed.length === 0) return `the file has no header line (expected ${expectedCount} columns)`;
  const renamedExpected = new Set(drift.renamed.map((r) => r.expected));
  const renamedObserved = new Set(drift.renamed.map((r) => r.observed));
  const parts: string[] = [];
  if (drift.renamed.length > 0) {
    parts.push(
      listed(drift.renamed, (r) => {
        const hint = sameIgnoringCaseAndSpaces(r.expected, r.observed) ? ' (only case or spaces differ)' : '';
        return `column ${r.column} ${shown(r.expected)} is now ${shown(r.observed)}${hint}`;
      }),
    );
  }
  const missing = drift.missing.filter((name) => !renamedExpected.has(name));
  if (missing.length > 0) parts.push(`missing ${listed(missing, shown)}`);
  const unexpected = drift.unexpected.filter((name) => !renamedObserved.has(name));
  if (unexpected.length > 0) parts.push(`new ${listed(unexpected, (name) => `${shown(name)} (column ${observed.indexOf(name) + 1})`)}`);
  if (drift.moved.length > 0) {
    parts.push(`moved ${listed(drift.moved, (m) => `${shown(m.name)} from column ${m.expectedColumn} to ${m.observedColumn}`)}`);
  }
  if (drift.duplicated.length > 0) parts.push(`repeated ${listed(drift.duplicated, shown)}`);
  return parts.join('; ');
};

/** Which file a drift verdict is about. */
export interface DriftSubject {
  exportType: ExportType;
  contract: string;
  /** The job's window, UTC midnights (end exclusive). */
  window: { startAt: number; endAt: number };
  /** The LinkedIn job whose file it is. */
  jobId?: number;
}

/** Where the settings live: the cdk.json context key of the deployment's configuration. */
const CDK_KEY = 'salesNavExport.expectedColumns';

/** The configuration that accepts `observed` as the expected columns of its type, or why none does. */
export type AcceptingSetting =
  | {
      kind: 'setting';
      /** `cdk.json "salesNavExport.expectedColumns.seat": ["seatId",…]` */
      deployed: string;
      /** `npm start -- --expected-columns '{"seat":["seatId",…]}'` */
      local: string;
    }
  | { kind: 'none'; reason: string };

/**
 * The exact setting that would make `observed` the expected header of `exportType`: the cdk.json
 * key (deployments; `npm start` synthesizes from the same cdk.json) and the `npm start` option.
 * None when the header cannot be accepted by configuration (a name the tables cannot take, a
 * repeated name, or no day column: the copy splits files into days by it).
 */
export const acceptingSetting = (exportType: ExportType, observed: readonly string[]): AcceptingSetting => {
  const problems = columnListProblems(exportType, observed);
  if (problems.length > 0) {
    const first = problems[0]!;
    const where = first.index === undefined ? '' : `column ${first.index + 1} ${shown(observed[first.index]!)}: `;
    return { kind: 'none', reason: `${where}${first.message}` };
  }
  const list = JSON.stringify(observed);
  return {
    kind: 'setting',
    deployed: `cdk.json "${CDK_KEY}.${exportType}": ${list}`,
    local: `npm start -- --expected-columns '${JSON.stringify({ [exportType]: observed }).replace(/'/g, "'\\''")}'`,
  };
};

/**
 * Bounds of the SchemaDrift message, which becomes the pair's error cause (Step Functions caps a
 * cause at 32,768 characters; the product keeps its causes under 2,000, as InvalidInput does, and
 * the run summary shows the first 400: the differences come first).
 */
export const MAX_SCHEMA_DRIFT_MESSAGE_CHARS = 2000;
const MAX_SUMMARY_CHARS = 400;
const MAX_HEADER_CHARS = 600;
const MAX_KEPT_AT_CHARS = 300;

const describeSubject = (subject: DriftSubject): string =>
  `The ${subject.exportType} file of ${subject.contract}, ${formatUtcDay(subject.window.startAt)}..${formatUtcDay(subject.window.endAt)} ` +
  `(end exclusive${subject.jobId === undefined ? '' : `, job ${subject.jobId}`})`;

/**
 * The `SchemaDrift` error a pair fails with: the export type, contract, window and job; the
 * differences; the observed header; where the file was kept; and the exact setting that would
 * accept the header (or why configuration cannot). At most {@link MAX_SCHEMA_DRIFT_MESSAGE_CHARS}.
 * @param keptAt where the whole file was kept, e.g. `s3://bucket/<prefix>quarantine/seat/…` (layout.ts quarantineKey)
 */
export const schemaDriftError = (subject: DriftSubject, observed: readonly string[], drift: HeaderDrift, keptAt: string): NamedError => {
  const header = JSON.stringify(observed);
  const headerShown =
    header.length <= MAX_HEADER_CHARS
      ? header
      : `${header.slice(0, MAX_HEADER_CHARS - 1)}… (${observed.length} columns; the whole header is the kept file's first line)`;
  const facts =
    `${describeSubject(subject)} does not have the expected columns, so nothing was published: ` +
    `${clip(drift.summary, MAX_SUMMARY_CHARS)}. Observed header: ${headerShown}. ` +
    `The file was kept, verified, at ${clip(keptAt, MAX_KEPT_AT_CHARS)}. `;
  const setting = acceptingSetting(subject.exportType, observed);
  // The most exact advice that fits: both settings, the cdk.json one, or where to find the names.
  const advice =
    setting.kind === 'none'
      ? [
          `This header cannot be accepted by configuration (${clip(setting.reason, 300)}): it needs a code change (lambdas/shared/contract/export-schemas.ts).`,
        ]
      : [
          `To accept it, set ${setting.deployed} and deploy again; for a local run, the same cdk.json key or ${setting.local}.`,
          `To accept it, set ${setting.deployed} and deploy again (npm start reads the same cdk.json).`,
          `To accept it, list the kept file's first line, name by name, in cdk.json "${CDK_KEY}.${subject.exportType}" and deploy again (npm start reads the same cdk.json).`,
        ];
  const message = facts + (advice.find((text) => facts.length + text.length <= MAX_SCHEMA_DRIFT_MESSAGE_CHARS) ?? advice.at(-1)!);
  return new NamedError(ERROR_NAMES.schemaDrift, clip(message, MAX_SCHEMA_DRIFT_MESSAGE_CHARS));
};

/**
 * The warning for a header with new columns at the end (the file lands): log it, and keep
 * `extra` in the manifest.
 */
export const describeAppended = (subject: DriftSubject, extra: readonly string[]): string =>
  `${describeSubject(subject)} has ${extra.length} new column(s) after the expected ones: ${listed(extra, shown)}. ` +
  `It landed; the tables read the expected columns and ignore the new ones until cdk.json "${CDK_KEY}.${subject.exportType}" lists them.`;
