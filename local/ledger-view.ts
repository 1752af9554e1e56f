/**
 * `npm run cli -- ledger`: what the export ledgers (lambdas/shared/contract/ledger.ts) say about
 * each (export type, contract) pair: the days landed, the gaps between them, the claims of running
 * executions, superseded objects and orphaned LinkedIn jobs. {@link readLedgers} is the only part
 * that talks to S3; the coverage and its text and JSON are pure functions of the parsed ledgers.
 *
 * Days are `[startAt, endAt)` UTC midnights, shown `from..to` with `to` exclusive, like the keys,
 * the execution input and every other window the CLI prints.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { EXPORT_TYPES, type ExportType } from '../lambdas/shared/contract/export-types';
import type { Ledger, LedgerClaim } from '../lambdas/shared/contract/ledger';
import type { ExportWindow } from '../lambdas/shared/contract/state';
import { formatUtcDay } from '../lambdas/shared/contract/utc-day';
import { countDays, intersectDays, sharesDays, subtractDays } from '../lambdas/shared/ledger/days';
import { LedgerCorruptError, parseLedger } from '../lambdas/shared/ledger/store';
import { ledgerFolder, ledgerKey, s3Uri } from '../lambdas/shared/workflow/keys';
import { formatBytes } from './runner/render';

/** Day ranges listed per line in text; `--json` lists all of them. */
export const MAX_RANGES_SHOWN = 10;

/** Which pairs to show; an absent list does not narrow. */
export interface LedgerFilter {
  exportTypes?: readonly ExportType[];
  contracts?: readonly string[];
}

/** One pair's ledger object as read: parsed, or why it is not a ledger. */
export type LedgerEntry = { key: string; exportType: ExportType; contract: string } & ({ ledger: Ledger } | { corrupt: string });

export interface LedgerListing {
  entries: LedgerEntry[];
  /** Objects in the ledger folder that are not at a pair's ledger key: the workflow never reads them. */
  ignoredKeys: string[];
}

const KEY_IN_FOLDER = /^([^/]+)\/contract=([0-9]{1,19})\.json$/;

/** The pair whose ledger `key` is (`<prefix>ledger/<type>/contract=<id>.json`), or undefined. */
export const pairOfLedgerKey = (prefix: string, key: string): { exportType: ExportType; contract: string } | undefined => {
  const folder = ledgerFolder(prefix);
  if (!key.startsWith(folder)) return undefined;
  const match = KEY_IN_FOLDER.exec(key.slice(folder.length));
  const exportType = EXPORT_TYPES.find((type) => type === match?.[1]);
  return exportType && match ? { exportType, contract: `urn:li:contract:${match[2]}` } : undefined;
};

const wanted = (filter: LedgerFilter, pair: { exportType: ExportType; contract: string }): boolean =>
  (filter.exportTypes === undefined || filter.exportTypes.includes(pair.exportType)) &&
  (filter.contracts === undefined || filter.contracts.includes(pair.contract));

/** Type order as everywhere else (activity, activityOutcome, seat), then contracts by number. */
const byPair = (a: { exportType: ExportType; contract: string }, b: { exportType: ExportType; contract: string }): number => {
  const id = (urn: string) => urn.slice(urn.lastIndexOf(':') + 1);
  return (
    EXPORT_TYPES.indexOf(a.exportType) - EXPORT_TYPES.indexOf(b.exportType) ||
    id(a.contract).length - id(b.contract).length ||
    id(a.contract).localeCompare(id(b.contract))
  );
};

/**
 * Reads the ledgers of the pairs `filter` names: the exact keys when contracts are given (no
 * listing of a partner-scale folder to find a few), else every key under the ledger folder.
 * A ledger that does not parse is an entry with `corrupt` (the workflow's own LedgerCorrupt
 * reason), never an exception; S3's errors (access, bucket) are thrown as they are.
 */
export const readLedgers = async (s3: S3Client, bucket: string, prefix: string, filter: LedgerFilter = {}): Promise<LedgerListing> => {
  const ignoredKeys: string[] = [];
  let pairs: Array<{ key: string; exportType: ExportType; contract: string }>;
  if (filter.contracts !== undefined) {
    pairs = (filter.exportTypes ?? EXPORT_TYPES).flatMap((exportType) =>
      (filter.contracts ?? []).map((contract) => ({ key: ledgerKey(prefix, exportType, contract), exportType, contract })),
    );
  } else {
    pairs = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: ledgerFolder(prefix), ContinuationToken: token }));
      for (const { Key: key } of page.Contents ?? []) {
        if (key === undefined) continue;
        const pair = pairOfLedgerKey(prefix, key);
        if (!pair) ignoredKeys.push(key);
        else if (wanted(filter, pair)) pairs.push({ key, ...pair });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  const entries: LedgerEntry[] = [];
  for (const pair of pairs.sort(byPair)) {
    let text: string;
    let etag: string | undefined;
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: pair.key }));
      text = (await object.Body?.transformToString('utf8')) ?? '';
      etag = object.ETag;
    } catch (error) {
      // An exact key that is not there is a pair with no ledger yet (or one deleted since the listing).
      if ((error as Error).name === 'NoSuchKey') continue;
      throw error;
    }
    try {
      entries.push({
        ...pair,
        ledger: parseLedger(text, { s3, bucket, prefix, exportType: pair.exportType, contract: pair.contract }, etag),
      });
    } catch (error) {
      if (!(error instanceof LedgerCorruptError)) throw error;
      entries.push({ ...pair, corrupt: error.reason });
    }
  }
  return { entries, ignoredKeys };
};

/** A claim as the view shows it. */
export interface ClaimView {
  window: ExportWindow;
  owner: string;
  /** The current LinkedIn job, once created. */
  jobId?: number;
  jobIds: number[];
  claimedAt: string;
  leaseUntil: number;
  /** The lease has run out: where the owner's liveness cannot be asked, the claim no longer holds. */
  leaseExpired: boolean;
  unconfirmedCreates: number;
  /** A create in flight since then (epoch ms). */
  creatingSince?: number;
  tookOverFrom?: string;
}

/** What one pair's ledger says, within the range looked at. */
export interface PairView {
  exportType: ExportType;
  contract: string;
  key: string;
  updatedAt: string;
  /** Where gaps are looked for: `--from/--to`, else the pair's first landed or claimed day to its last end. */
  range?: ExportWindow;
  /** Landed days (in the range), merged. */
  landed: ExportWindow[];
  /** The landed objects that hold days of the range. */
  objects: number;
  rows: number;
  bytes: number;
  /** Days of the range no object holds (claimed days included: they have not landed). */
  gaps: ExportWindow[];
  /** Claims holding days of the range. */
  claims: ClaimView[];
  superseded: number;
  /** Superseded objects the ledger records but that are not moved out yet. */
  pendingMoves: Array<{ key: string; movedTo: string; supersededAt: string }>;
  orphanCount: number;
}

const claimView = (claim: LedgerClaim, now: number): ClaimView => ({
  window: { startAt: claim.startAt, endAt: claim.endAt },
  owner: claim.owner,
  ...(claim.jobId !== undefined && { jobId: claim.jobId }),
  jobIds: claim.jobIds,
  claimedAt: claim.claimedAt,
  leaseUntil: claim.leaseUntil,
  leaseExpired: claim.leaseUntil <= now,
  unconfirmedCreates: claim.unconfirmedCreates,
  ...(claim.creating !== undefined && { creatingSince: claim.creating }),
  ...(claim.tookOverFrom !== undefined && { tookOverFrom: claim.tookOverFrom }),
});

/** The pair's own extent: its first landed or claimed day to the last end of either. */
const extentOf = (ledger: Ledger): ExportWindow | undefined => {
  const windows = [...ledger.objects, ...ledger.claims];
  if (windows.length === 0) return undefined;
  return { startAt: Math.min(...windows.map((w) => w.startAt)), endAt: Math.max(...windows.map((w) => w.endAt)) };
};

/**
 * The coverage of one pair.
 * @param range the days to look at (`--from/--to`); default: the pair's own extent
 * @param now for the claims' leases
 */
export const pairView = (entry: { key: string; ledger: Ledger }, now: number, range?: ExportWindow): PairView => {
  const { ledger } = entry;
  const within = range ?? extentOf(ledger);
  const objects = within ? ledger.objects.filter((o) => sharesDays(o, within)) : [];
  return {
    exportType: ledger.exportType,
    contract: ledger.contract,
    key: entry.key,
    updatedAt: ledger.updatedAt,
    ...(within && { range: within }),
    landed: within ? intersectDays(within, ledger.objects) : [],
    objects: objects.length,
    rows: objects.reduce((sum, o) => sum + o.rows, 0),
    bytes: objects.reduce((sum, o) => sum + o.bytes, 0),
    gaps: within ? subtractDays(within, ledger.objects) : [],
    claims: (within ? ledger.claims.filter((c) => sharesDays(c, within)) : [])
      .sort((a, b) => a.startAt - b.startAt)
      .map((claim) => claimView(claim, now)),
    superseded: ledger.superseded.length,
    pendingMoves: ledger.superseded.filter((s) => !s.moved).map((s) => ({ key: s.key, movedTo: s.movedTo, supersededAt: s.supersededAt })),
    orphanCount: ledger.orphanCount,
  };
};

// --- JSON ------------------------------------------------------------------------------------

/** A day range in `--json`: the days as typed (`to` exclusive) and as epoch ms. */
export interface WindowJson {
  from: string;
  to: string;
  startAt: number;
  endAt: number;
  days: number;
}

export interface PairJson {
  exportType: ExportType;
  contract: string;
  uri: string;
  updatedAt: string;
  range: WindowJson | null;
  landed: WindowJson[];
  landedDays: number;
  objects: number;
  rows: number;
  bytes: number;
  gaps: WindowJson[];
  gapDays: number;
  claims: Array<Omit<ClaimView, 'window' | 'leaseUntil' | 'creatingSince'> & WindowJson & { leaseUntil: string; creatingSince?: string }>;
  superseded: { count: number; pendingMoves: PairView['pendingMoves'] };
  orphanCount: number;
}

export interface CorruptJson {
  exportType: ExportType;
  contract: string;
  uri: string;
  /** LedgerCorrupt: why it is not a ledger this product reads. */
  corrupt: string;
}

export interface LedgerViewJson {
  /** `s3://bucket/<prefix>ledger/` */
  ledgerFolder: string;
  /** `--from/--to`, or null: each pair's own extent. */
  range: WindowJson | null;
  /** Every pair found (type, then contract), corrupt ones included. */
  pairs: Array<PairJson | CorruptJson>;
  corrupt: number;
  ignoredKeys: string[];
}

const windowJson = (w: ExportWindow): WindowJson => ({
  from: formatUtcDay(w.startAt),
  to: formatUtcDay(w.endAt),
  startAt: w.startAt,
  endAt: w.endAt,
  days: countDays([w]),
});

const iso = (ms: number): string => new Date(ms).toISOString();

export interface ViewOptions {
  bucket: string;
  prefix: string;
  /** For the claims' leases (epoch ms). */
  now: number;
  /** `--from/--to`; default: each pair's own extent. */
  range?: ExportWindow;
  /** What was asked for, to say so when nothing is found. */
  filter?: LedgerFilter;
}

export const ledgerViewJson = (listing: LedgerListing, options: ViewOptions): LedgerViewJson => ({
  ledgerFolder: s3Uri(options.bucket, ledgerFolder(options.prefix)),
  range: options.range ? windowJson(options.range) : null,
  pairs: listing.entries.map((entry): PairJson | CorruptJson => {
    const uri = s3Uri(options.bucket, entry.key);
    if ('corrupt' in entry) return { exportType: entry.exportType, contract: entry.contract, uri, corrupt: entry.corrupt };
    const view = pairView(entry, options.now, options.range);
    return {
      exportType: view.exportType,
      contract: view.contract,
      uri,
      updatedAt: view.updatedAt,
      range: view.range ? windowJson(view.range) : null,
      landed: view.landed.map(windowJson),
      landedDays: countDays(view.landed),
      objects: view.objects,
      rows: view.rows,
      bytes: view.bytes,
      gaps: view.gaps.map(windowJson),
      gapDays: countDays(view.gaps),
      claims: view.claims.map(({ window, leaseUntil, creatingSince, ...claim }) => ({
        ...windowJson(window),
        ...claim,
        leaseUntil: iso(leaseUntil),
        ...(creatingSince !== undefined && { creatingSince: iso(creatingSince) }),
      })),
      superseded: { count: view.superseded, pendingMoves: view.pendingMoves },
      orphanCount: view.orphanCount,
    };
  }),
  corrupt: listing.entries.filter((entry) => 'corrupt' in entry).length,
  ignoredKeys: listing.ignoredKeys,
});

// --- text ------------------------------------------------------------------------------------

/** `2026-11-01..2026-11-08` (end exclusive). */
export const dayRange = (w: ExportWindow): string => `${formatUtcDay(w.startAt)}..${formatUtcDay(w.endAt)}`;

const ranges = (windows: readonly ExportWindow[]): string => {
  const shown = windows.slice(0, MAX_RANGES_SHOWN).map(dayRange).join(', ');
  return windows.length > MAX_RANGES_SHOWN ? `${shown} … and ${windows.length - MAX_RANGES_SHOWN} more (--json lists all)` : shown;
};

const LABEL = 12;
const field = (label: string, lines: readonly string[]): string[] =>
  lines.map((line, i) => `  ${(i === 0 ? label : '').padEnd(LABEL)}${line}`);

const claimLine = (claim: ClaimView): string =>
  [
    `${dayRange(claim.window)} ${claim.jobId !== undefined ? `job ${claim.jobId}` : 'no job yet'}`,
    `owner ${claim.owner}`,
    `claimed ${claim.claimedAt}`,
    `lease until ${iso(claim.leaseUntil)}${claim.leaseExpired ? ' (expired)' : ''}`,
    ...(claim.jobIds.length > 1 ? [`jobs ${claim.jobIds.join(', ')}`] : []),
    ...(claim.creatingSince !== undefined ? [`create in flight since ${iso(claim.creatingSince)}`] : []),
    ...(claim.unconfirmedCreates > 0 ? [`${claim.unconfirmedCreates} create(s) whose answer was lost`] : []),
    ...(claim.tookOverFrom !== undefined ? [`took over from ${claim.tookOverFrom}`] : []),
  ].join(', ');

const pairText = (view: PairView, bucket: string): string[] => {
  const range = view.range;
  const landedDays = countDays(view.landed);
  return [
    `${view.exportType} ${view.contract}`,
    ...field('Landed', [
      landedDays === 0
        ? 'nothing'
        : `${landedDays} day(s) in ${view.objects} object(s), ${view.rows} rows, ${formatBytes(view.bytes)}: ${ranges(view.landed)}`,
    ]),
    ...field('Gaps', [
      !range
        ? 'none (nothing landed or claimed yet)'
        : view.gaps.length === 0
          ? `none in ${dayRange(range)}`
          : `${countDays(view.gaps)} day(s) of ${dayRange(range)}: ${ranges(view.gaps)}`,
    ]),
    ...field('In flight', view.claims.length === 0 ? ['none'] : view.claims.map(claimLine)),
    ...field('Superseded', [
      `${view.superseded}${view.pendingMoves.length > 0 ? `, ${view.pendingMoves.length} not moved yet:` : ''}`,
      ...view.pendingMoves.map((move) => `  ${s3Uri(bucket, move.key)} -> ${s3Uri(bucket, move.movedTo)}`),
    ]),
    ...field('Orphans', [String(view.orphanCount)]),
    ...field('Ledger', [`${s3Uri(bucket, view.key)}, updated ${view.updatedAt}`]),
  ];
};

/** The line of a ledger that does not parse, as the workflow names the error. */
export const corruptLine = (bucket: string, entry: { key: string; corrupt: string }): string =>
  `LedgerCorrupt: ${s3Uri(bucket, entry.key)}: ${entry.corrupt}`;

/** Says where no ledger was found, and how one comes to be. */
export const noLedgerText = (bucket: string, prefix: string, filter: LedgerFilter = {}): string => {
  const narrowed = [
    ...(filter.exportTypes && filter.exportTypes.length < EXPORT_TYPES.length ? [filter.exportTypes.join(', ')] : []),
    ...(filter.contracts ?? []),
  ];
  return `No ledger entries yet under ${s3Uri(bucket, ledgerFolder(prefix))}${narrowed.length ? ` for ${narrowed.join(' ')}` : ''} (run npm start or start an execution)`;
};

/** The text of `npm run cli -- ledger`: a block per pair, then the corrupt ledgers and ignored keys. */
export const ledgerViewText = (listing: LedgerListing, options: ViewOptions): string => {
  const { bucket, prefix } = options;
  const valid = listing.entries.filter((entry) => 'ledger' in entry);
  const corrupt = listing.entries.filter((entry) => 'corrupt' in entry);
  const lines = [
    listing.entries.length === 0
      ? noLedgerText(bucket, prefix, options.filter)
      : `Export ledger ${s3Uri(bucket, ledgerFolder(prefix))}${options.range ? `, days ${dayRange(options.range)}` : ''}: ` +
        `${listing.entries.length} pair(s)${corrupt.length ? `, ${corrupt.length} corrupt` : ''} (days from..to, to exclusive, UTC)`,
  ];
  for (const entry of valid) lines.push('', ...pairText(pairView(entry, options.now, options.range), bucket));
  if (corrupt.length) lines.push('', ...corrupt.map((entry) => corruptLine(bucket, entry)));
  if (listing.ignoredKeys.length) {
    lines.push(
      '',
      `Ignored ${listing.ignoredKeys.length} object(s) under ${s3Uri(bucket, ledgerFolder(prefix))} that are not at a ledger key (<type>/contract=<id>.json): ` +
        listing.ignoredKeys.slice(0, MAX_RANGES_SHOWN).join(', ') +
        (listing.ignoredKeys.length > MAX_RANGES_SHOWN ? ` … and ${listing.ignoredKeys.length - MAX_RANGES_SHOWN} more` : ''),
    );
  }
  return lines.join('\n');
};
