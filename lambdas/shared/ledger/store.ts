/**
 * Reading and writing the export ledger (contract/ledger.ts) in S3 with conditional writes, the
 * only way it is ever written (docs/design.md, "Exactly once"):
 * - a new ledger is created with `If-None-Match: *`, an existing one replaced with
 *   `If-Match: <the ETag it was read with>`;
 * - S3 answering 412 (or 409 when two conditional writes overlap) means another execution wrote
 *   first: that is the normal path of a race, not an error. {@link updateLedger} re-reads and
 *   applies the change again to what the winner wrote.
 *
 * A ledger that does not parse is `LedgerCorrupt` and is never overwritten by a normal update.
 * A pair that has no ledger yet starts from its manifests (under `<prefix>manifests/`), so objects
 * landed before the ledger existed (or after the ledger was moved aside) are not landed twice.
 */
import { CopyObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import type { ExportType } from '../contract/export-types';
import { LEDGER_VERSION, type Ledger, type LedgerObject, ledgerSchema, type StoredLedger } from '../contract/ledger';
import { sleep } from '../sleep';
import { MANIFEST_SUFFIX, pairManifestPrefix } from '../contract/layout';
import { DAY_MS } from '../contract/linkedin-limits';
import { ledgerKey, s3Uri, supersededKey } from '../workflow/keys';

/** Where one pair's ledger lives and whose it is. */
export interface LedgerLocation {
  s3: S3Client;
  bucket: string;
  /** The export prefix. */
  prefix: string;
  exportType: ExportType;
  contract: string;
}

export const ledgerKeyOf = (at: LedgerLocation): string => ledgerKey(at.prefix, at.exportType, at.contract);

/** A ledger object this product did not write; `etag` lets a forced run move it aside safely. */
export class LedgerCorruptError extends NamedError {
  constructor(
    readonly uri: string,
    readonly reason: string,
    readonly etag: string | undefined,
    pair: string,
  ) {
    super(
      ERROR_NAMES.ledgerCorrupt,
      `LedgerCorrupt: the export ledger ${uri} is not what this product writes (${reason}). Nothing is exported for ${pair} ` +
        'until it is fixed or moved away, or the execution input says "force": true (which keeps a copy of it and rebuilds ' +
        'the ledger from the manifests). docs/operations.md, "LedgerCorrupt".',
    );
  }
}

const MAX_REASON_CHARS = 200;

/** The first problem zod found, short. */
const firstIssue = (error: z.core.$ZodError): string => {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'the top level';
  return `${where}: ${issue?.message ?? 'invalid'}`.slice(0, MAX_REASON_CHARS);
};

/** Parses a ledger body; throws LedgerCorruptError naming the object and the first problem. */
export const parseLedger = (text: string, at: LedgerLocation, etag: string | undefined): Ledger => {
  const uri = s3Uri(at.bucket, ledgerKeyOf(at));
  const pair = `the ${at.exportType} export of ${at.contract}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LedgerCorruptError(uri, `not JSON, ${text.length} characters`, etag, pair);
  }
  const version = (json as { ledgerVersion?: unknown } | null)?.ledgerVersion;
  if (version !== LEDGER_VERSION) {
    throw new LedgerCorruptError(uri, `ledgerVersion ${JSON.stringify(version)}, this version reads ${LEDGER_VERSION}`, etag, pair);
  }
  const parsed = ledgerSchema.safeParse(json);
  if (!parsed.success) throw new LedgerCorruptError(uri, firstIssue(parsed.error), etag, pair);
  if (parsed.data.exportType !== at.exportType || parsed.data.contract !== at.contract) {
    throw new LedgerCorruptError(uri, `it names ${parsed.data.exportType} ${parsed.data.contract}`, etag, pair);
  }
  return parsed.data;
};

/** The pair's ledger and the ETag to update it with, or none. */
export const readLedger = async (at: LedgerLocation): Promise<StoredLedger> => {
  try {
    const object = await at.s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: ledgerKeyOf(at) }));
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    const etag = object.ETag ?? '';
    return { ledger: parseLedger(text, at, etag), etag };
  } catch (error) {
    if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return { ledger: undefined, etag: undefined };
    throw error;
  }
};

/** An S3 answer that means "someone else wrote first": re-read and try again. */
export const lostTheRace = (error: unknown): boolean => {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    $metadata?.httpStatusCode === 412 ||
    $metadata?.httpStatusCode === 409 ||
    // If-Match on a ledger that was deleted meanwhile: start over from what is there now.
    (name === 'NoSuchKey' && $metadata?.httpStatusCode === 404)
  );
};

/**
 * Writes `ledger` only if the stored one is still the one read (`etag`), or absent (`undefined`).
 * @returns the new ETag, or undefined when another writer won the race
 */
export const writeLedger = async (at: LedgerLocation, ledger: Ledger, etag: string | undefined): Promise<string | undefined> => {
  try {
    const written = await at.s3.send(
      new PutObjectCommand({
        Bucket: at.bucket,
        Key: ledgerKeyOf(at),
        Body: `${JSON.stringify(ledger, null, 1)}\n`,
        ContentType: 'application/json',
        ...(etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag }),
      }),
    );
    return written.ETag ?? '';
  } catch (error) {
    if (lostTheRace(error)) return undefined;
    throw error;
  }
};

/** An empty ledger for the pair. */
export const emptyLedger = (exportType: ExportType, contract: string, now: number): Ledger => ({
  ledgerVersion: LEDGER_VERSION,
  exportType,
  contract,
  objects: [],
  superseded: [],
  claims: [],
  orphans: [],
  orphanCount: 0,
  updatedAt: new Date(now).toISOString(),
});

// What the ledger needs from a manifest (lambdas/shared/copy/s3-publish.ts ExportManifest); loose
// beyond these fields, so a later manifest with more of them still seeds a ledger.
const manifestSchema = z.object({
  manifestVersion: z.literal(2),
  jobId: z.number(),
  window: z.object({ startAtMs: z.number(), endAtMs: z.number() }),
  objects: z.array(
    z.object({
      day: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
      object: z.string().check(z.regex(/^s3:\/\/[^/]+\/./)),
      rows: z.number(),
      bytes: z.number(),
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
      etag: z.optional(z.string()),
      versionId: z.optional(z.string()),
    }),
  ),
  copiedAt: z.string(),
});

/**
 * The landed day objects that the manifests of the pair (under `<prefix>manifests/`) vouch for:
 * how a pair without a ledger (objects landed before it existed, or a forced rebuild of a corrupt
 * one) starts. A manifest that does not parse is skipped (the caller logs it); where manifests
 * overlap, the newest copy of a day wins, as it is the one a reader of that key sees.
 */
export const objectsFromManifests = async (
  at: LedgerLocation,
  onSkipped?: (key: string, reason: string) => void,
): Promise<LedgerObject[]> => {
  const folder = pairManifestPrefix(at.prefix, at.exportType, at.contract);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await at.s3.send(new ListObjectsV2Command({ Bucket: at.bucket, Prefix: folder, ContinuationToken: token }));
    for (const item of page.Contents ?? []) if (item.Key?.endsWith(MANIFEST_SUFFIX)) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const objects: LedgerObject[] = [];
  for (const manifestKey of keys) {
    try {
      const object = await at.s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: manifestKey }));
      const parsed = manifestSchema.safeParse(JSON.parse((await object.Body?.transformToString('utf8')) ?? ''));
      if (!parsed.success) {
        onSkipped?.(manifestKey, firstIssue(parsed.error));
        continue;
      }
      const m = parsed.data;
      const landedAt = new Date(Date.parse(m.copiedAt) || 0).toISOString();
      for (const entry of m.objects) {
        if (!entry.object.startsWith(`s3://${at.bucket}/`)) {
          onSkipped?.(manifestKey, `names an object in another bucket: ${entry.object.slice(0, MAX_REASON_CHARS)}`);
          continue;
        }
        const startAt = Date.parse(`${entry.day}T00:00:00Z`);
        objects.push({
          startAt,
          endAt: startAt + DAY_MS,
          key: entry.object.slice(`s3://${at.bucket}/`.length),
          manifestKey,
          ...(entry.versionId ? { versionId: entry.versionId } : {}),
          ...(entry.etag ? { etag: entry.etag } : {}),
          sha256: entry.sha256,
          rows: entry.rows,
          bytes: entry.bytes,
          jobId: m.jobId,
          landedBy: 'manifest',
          landedAt,
        });
      }
    } catch (error) {
      onSkipped?.(manifestKey, (error as Error).message.slice(0, MAX_REASON_CHARS));
    }
  }
  return newestFirstWithoutOverlap(objects);
};

/** Keeps, for every day, only the newest object: older ones that share a day with a kept one are dropped. */
const newestFirstWithoutOverlap = (objects: LedgerObject[]): LedgerObject[] => {
  const kept: LedgerObject[] = [];
  for (const object of [...objects].sort((a, b) => b.landedAt.localeCompare(a.landedAt))) {
    if (!kept.some((k) => k.startAt < object.endAt && object.startAt < k.endAt)) kept.push(object);
  }
  return kept.sort((a, b) => a.startAt - b.startAt);
};

/** What a change makes of the ledger: a new one to write (or none), and its result. */
export interface LedgerChange<T> {
  ledger?: Ledger;
  result: T;
}

export interface UpdateOptions {
  now: () => number;
  /** Attempts before LedgerContention. @default 8 */
  maxAttempts?: number;
  /** Told each lost race (a log line). */
  onLostRace?: (attempt: number) => void;
  /** Told each manifest a new ledger could not use. */
  onSkippedManifest?: (key: string, reason: string) => void;
  /**
   * A missing ledger starts from the pair's manifests (the claim step). The steps after it find
   * their claim in the ledger or nowhere, so they start from an empty one. @default true
   */
  seedFromManifests?: boolean;
}

/**
 * Applies `change` to the pair's current ledger and writes the result conditionally; on a lost
 * race re-reads and applies it again to the winner's ledger. A missing ledger starts from the
 * pair's manifests. `change` may run several times: it must not act on anything but its answer.
 *
 * @throws LedgerCorruptError; NamedError `LedgerContention` after `maxAttempts` lost races (the
 *   state machine retries the step)
 */
export const updateLedger = async <T>(
  at: LedgerLocation,
  change: (ledger: Ledger) => LedgerChange<T> | Promise<LedgerChange<T>>,
  options: UpdateOptions,
): Promise<{ result: T; ledger: Ledger }> => {
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const stored = await readLedger(at);
    const current =
      stored.ledger ??
      (options.seedFromManifests === false ? emptyLedger(at.exportType, at.contract, options.now()) : await startingLedger(at, options));
    const { ledger: next, result } = await change(current);
    if (!next) return { result, ledger: current };
    const stamped = { ...next, updatedAt: new Date(options.now()).toISOString() };
    const written = await writeLedger(at, stamped, stored.etag);
    if (written !== undefined) return { result, ledger: stamped };
    options.onLostRace?.(attempt);
    if (attempt >= maxAttempts) {
      throw new NamedError(
        ERROR_NAMES.ledgerContention,
        `Lost ${attempt} conditional writes in a row on the export ledger ${s3Uri(at.bucket, ledgerKeyOf(at))}: ` +
          'other executions keep writing it. Retried by the state machine.',
      );
    }
    // Jitter, so two losers do not collide again on the same beat.
    await sleep(Math.round(Math.random() * 25 * attempt));
  }
};

/** A pair's first ledger: what its manifests vouch for. */
const startingLedger = async (at: LedgerLocation, options: UpdateOptions): Promise<Ledger> => ({
  ...emptyLedger(at.exportType, at.contract, options.now()),
  objects: await objectsFromManifests(at, options.onSkippedManifest),
});

/**
 * What a forced run does with a corrupt ledger: keeps a copy of it under `<prefix>superseded/`
 * (recoverable, never lost) and replaces it, only if it is still the object that was read, with a
 * ledger rebuilt from the pair's manifests.
 * @returns where the corrupt ledger was kept
 */
export const replaceCorruptLedger = async (at: LedgerLocation, corrupt: LedgerCorruptError, options: UpdateOptions): Promise<string> => {
  const key = ledgerKeyOf(at);
  const keptAt = supersededKey(at.prefix, key, new Date(options.now()).toISOString());
  await at.s3.send(
    new CopyObjectCommand({
      Bucket: at.bucket,
      Key: keptAt,
      CopySource: `${at.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    }),
  );
  // Another forced run may have replaced it first: then there is nothing left to do.
  await writeLedger(at, await startingLedger(at, options), corrupt.etag);
  return keptAt;
};
