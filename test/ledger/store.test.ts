/**
 * Reading and writing the export ledger (lambdas/shared/ledger/store.ts) against a real local S3
 * with conditional writes (local/s3.ts): a corrupt ledger is refused by name, creates and updates
 * are conditional, lost races are retried on the winner's ledger, and a missing ledger starts
 * from the pair's manifests (under manifests/).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ExportManifest } from '../../lambdas/shared/copy/s3-publish';
import { type Ledger, type LedgerObject, ledgerSchema } from '../../lambdas/shared/contract/ledger';
import { NamedError } from '../../lambdas/shared/contract/error-names';
import {
  emptyLedger,
  LedgerCorruptError,
  type LedgerLocation,
  ledgerKeyOf,
  readLedger,
  replaceCorruptLedger,
  updateLedger,
  writeLedger,
} from '../../lambdas/shared/ledger/store';
import { openTestS3, type TestS3 } from './local-s3';
import { rejectionOf } from '../helpers/rejection';
import { CONTRACT, DATA_FOLDER, day, ledgerOf, NOW, orphanOf, PREFIX } from './fixtures';

const BUCKET = 'ledger-store';
const LEDGER_KEY = `${PREFIX}ledger/activity/contract=123456.json`;
const LEDGER_URI = `s3://${BUCKET}/${LEDGER_KEY}`;
const NOW_ISO = '2026-12-01T12:00:00.000Z';

let s3: TestS3;
let client: S3Client;
let at: LedgerLocation;

beforeEach(async () => {
  s3 = await openTestS3(BUCKET, 'ledger-store');
  client = s3.client;
  at = { s3: client, bucket: BUCKET, prefix: PREFIX, exportType: 'activity', contract: CONTRACT };
});

afterEach(() => s3.close());

const put = (key: string, body: string): Promise<string> => s3.put(key, body);

const text = (key: string): Promise<string> => s3.text(key);

/** The stored ledger, parsed by its schema (not through readLedger, which is under test). */
const stored = async (): Promise<Ledger> => ledgerSchema.parse(JSON.parse(await text(LEDGER_KEY)));

/** The pair's manifests folder (contract/layout.ts). */
const MANIFESTS = `${PREFIX}manifests/activity/contract=123456/`;

const DAY_MS = 86_400_000;
const dayKey = (ms: number): string => {
  const d = new Date(ms).toISOString().slice(0, 10);
  return `${DATA_FOLDER}dt=${d}/${d}_${new Date(ms + DAY_MS).toISOString().slice(0, 10)}.csv`;
};
const daysFrom = (from: string, to: string): number[] => {
  const days: number[] = [];
  for (let d = day(from); d < day(to); d += DAY_MS) days.push(d);
  return days;
};

interface DayOver {
  rows?: number;
  bytes?: number;
  etag?: string | undefined;
  versionId?: string;
}

/** A window's manifest as the copy step writes it (lambdas/shared/copy/s3-publish.ts), one entry per day. */
const manifest = (from: string, to: string, over: Partial<ExportManifest> & DayOver = {}): ExportManifest => {
  const { rows = 12, bytes = 3_456, etag: asked, versionId, ...rest } = over;
  // `etag: undefined` asks for a manifest without one.
  const etag = 'etag' in over ? asked : '"11111111111111111111111111111111"';
  return {
    manifestVersion: 2,
    exportType: 'activity',
    contract: CONTRACT,
    jobId: 6_000_000_001,
    jobIds: [6_000_000_001],
    window: { startAt: `${from}T00:00:00.000Z`, endAt: `${to}T00:00:00.000Z`, startAtMs: day(from), endAtMs: day(to) },
    rows,
    bytes,
    sha256: 'c'.repeat(64),
    objects: daysFrom(from, to).map((d) => ({
      day: new Date(d).toISOString().slice(0, 10),
      object: `s3://${BUCKET}/${dayKey(d)}`,
      rows,
      bytes,
      sha256: 'c'.repeat(64),
      ...(etag ? { etag } : {}),
      ...(versionId ? { versionId } : {}),
    })),
    empty: false,
    copiedAt: '2026-11-20T08:00:00.000Z',
    ...rest,
  };
};

const putManifest = (m: ExportManifest, folder = MANIFESTS): Promise<string> =>
  put(`${folder}${m.window.startAt.slice(0, 10)}_${m.window.endAt.slice(0, 10)}.manifest.json`, JSON.stringify(m));

/** The ledger objects (one per day) a manifest vouches for. */
const fromManifest = (from: string, to: string, over: Partial<LedgerObject> = {}): LedgerObject[] =>
  daysFrom(from, to).map((d) => ({
    startAt: d,
    endAt: d + DAY_MS,
    key: dayKey(d),
    manifestKey: `${MANIFESTS}${from}_${to}.manifest.json`,
    etag: '"11111111111111111111111111111111"',
    sha256: 'c'.repeat(64),
    rows: 12,
    bytes: 3_456,
    jobId: 6_000_000_001,
    landedBy: 'manifest',
    landedAt: '2026-11-20T08:00:00.000Z',
    ...over,
  }));

/** A change that appends one orphan with the given job id. */
const addOrphan = (jobId: number) => (ledger: Ledger) => ({
  ledger: { ...ledger, orphans: [...ledger.orphans, orphanOf('2026-11-01', '2026-11-08', { jobId })], orphanCount: ledger.orphanCount + 1 },
  result: jobId,
});

describe('readLedger', () => {
  it('is nothing, with no ETag, when the pair has no ledger', async () => {
    expect(await readLedger(at)).toEqual({ ledger: undefined, etag: undefined });
  });

  it('reads the ledger at <prefix>ledger/<type>/contract=<id>.json with the ETag to update it with', async () => {
    // Prepare
    const ledger = ledgerOf({ orphans: [orphanOf('2026-11-01', '2026-11-08')], orphanCount: 3 });
    const etag = await put(LEDGER_KEY, JSON.stringify(ledger));

    // Act
    const read = await readLedger(at);

    // Assess
    expect(ledgerKeyOf(at)).toBe(LEDGER_KEY);
    expect(read).toEqual({ ledger, etag });
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it.each([
    ['not JSON', 'ledger?', 'not JSON, 7 characters'],
    ['JSON null', 'null', 'ledgerVersion undefined, this version reads 1'],
    ['another ledger version', JSON.stringify({ ...ledgerOf(), ledgerVersion: 2 }), 'ledgerVersion 2, this version reads 1'],
    [
      'a missing field',
      JSON.stringify({ ...ledgerOf(), orphanCount: undefined }),
      'orphanCount: Invalid input: expected number, received undefined',
    ],
    ['an unknown field', JSON.stringify({ ...ledgerOf(), note: 'edited by hand' }), 'the top level: Unrecognized key: "note"'],
    [
      'a broken object entry',
      JSON.stringify({ ...ledgerOf(), objects: [{ startAt: 0 }] }),
      'objects.0.endAt: Invalid input: expected number, received undefined',
    ],
    ['another pair’s export type', JSON.stringify({ ...ledgerOf(), exportType: 'seat' }), `it names seat ${CONTRACT}`],
    ['another contract', JSON.stringify({ ...ledgerOf(), contract: 'urn:li:contract:654321' }), 'it names activity urn:li:contract:654321'],
  ])('refuses %s as LedgerCorrupt, naming the object', async (_, body, reason) => {
    // Prepare
    const etag = await put(LEDGER_KEY, body);

    // Act
    const error = await rejectionOf<LedgerCorruptError>(readLedger(at));

    // Assess
    expect(error).toBeInstanceOf(LedgerCorruptError);
    expect(error.name).toBe('LedgerCorrupt');
    expect(error.reason).toBe(reason);
    expect(error.uri).toBe(LEDGER_URI);
    expect(error.etag).toBe(etag);
    expect(error.message).toBe(
      `LedgerCorrupt: the export ledger ${LEDGER_URI} is not what this product writes (${reason}). Nothing is exported for ` +
        `the activity export of ${CONTRACT} until it is fixed or moved away, or the execution input says "force": true ` +
        '(which keeps a copy of it and rebuilds the ledger from the manifests). docs/operations.md, "LedgerCorrupt".',
    );
  });
});

describe('writeLedger', () => {
  it('creates a missing ledger once: a second create-if-absent loses and changes nothing', async () => {
    // Prepare
    const first = ledgerOf({ orphanCount: 1, orphans: [orphanOf('2026-11-01', '2026-11-08', { jobId: 1 })] });
    const second = ledgerOf({ orphanCount: 2 });

    // Act
    const won = await writeLedger(at, first, undefined);
    const lost = await writeLedger(at, second, undefined);

    // Assess
    expect(won).toMatch(/^"[0-9a-f]{32}"$/);
    expect(lost).toBeUndefined();
    expect(await stored()).toEqual(first);
    expect((await readLedger(at)).etag).toBe(won);
  });

  it('lets exactly one of two concurrent creates win', async () => {
    const [a, b] = await Promise.all([
      writeLedger(at, ledgerOf({ orphanCount: 1 }), undefined),
      writeLedger(at, ledgerOf({ orphanCount: 2 }), undefined),
    ]);

    expect([a, b].filter((etag) => etag === undefined)).toHaveLength(1);
    expect((await stored()).orphanCount).toBe(a === undefined ? 2 : 1);
  });

  it('updates only the ledger it read: a stale ETag loses', async () => {
    // Prepare: written twice; the first ETag is stale.
    const stale = (await writeLedger(at, ledgerOf({ orphanCount: 1 }), undefined))!;
    const current = (await writeLedger(at, ledgerOf({ orphanCount: 2 }), stale))!;

    // Act
    const lost = await writeLedger(at, ledgerOf({ orphanCount: 3 }), stale);
    const won = await writeLedger(at, ledgerOf({ orphanCount: 4 }), current);

    // Assess
    expect(current).not.toBe(stale);
    expect(lost).toBeUndefined();
    expect(won).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await stored()).orphanCount).toBe(4);
  });

  it('loses an update of a ledger that was deleted meanwhile', async () => {
    expect(await writeLedger(at, ledgerOf(), '"0123456789abcdef0123456789abcdef"')).toBeUndefined();
  });
});

describe('updateLedger', () => {
  it('applies a change to the stored ledger and stamps updatedAt', async () => {
    // Prepare
    await put(LEDGER_KEY, JSON.stringify(ledgerOf({ orphanCount: 5 })));

    // Act
    const { result, ledger } = await updateLedger(at, addOrphan(77), { now: () => NOW });

    // Assess
    expect(result).toBe(77);
    expect(ledger.orphanCount).toBe(6);
    expect(await stored()).toEqual(
      ledgerOf({ orphanCount: 6, orphans: [orphanOf('2026-11-01', '2026-11-08', { jobId: 77 })], updatedAt: NOW_ISO }),
    );
  });

  it('writes nothing when the change has no ledger, and hands back the ledger it read', async () => {
    // Prepare
    const body = JSON.stringify(ledgerOf({ orphanCount: 5 }));
    await put(LEDGER_KEY, body);

    // Act
    const { result, ledger } = await updateLedger(at, () => ({ result: 'nothing' }), { now: () => NOW });

    // Assess
    expect(result).toBe('nothing');
    expect(ledger).toEqual(ledgerOf({ orphanCount: 5 }));
    expect(await text(LEDGER_KEY)).toBe(body);
  });

  it('loses no change of 10 concurrent updates: lost races are retried on the winner’s ledger', async () => {
    // Prepare: an existing ledger, updated by 10 writers at once.
    await put(LEDGER_KEY, JSON.stringify(ledgerOf()));
    const lostRaces: number[] = [];

    // Act
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        updateLedger(at, addOrphan(100 + i), { now: () => NOW, maxAttempts: 50, onLostRace: (attempt) => lostRaces.push(attempt) }),
      ),
    );

    // Assess
    const after = await stored();
    expect(results.map((r) => r.result)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    expect(after.orphanCount).toBe(10);
    expect(after.orphans.map((o) => o.jobId).sort()).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    expect(lostRaces.length).toBeGreaterThan(0);
  });

  it('loses no change of 10 concurrent updates of a ledger that does not exist yet', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        updateLedger(at, addOrphan(200 + i), { now: () => NOW, maxAttempts: 50, seedFromManifests: false }),
      ),
    );

    const after = await stored();
    expect(results).toHaveLength(10);
    expect(after.orphanCount).toBe(10);
    expect(after.orphans.map((o) => o.jobId).sort()).toEqual([200, 201, 202, 203, 204, 205, 206, 207, 208, 209]);
  });

  it('throws LedgerContention after maxAttempts lost races in a row', async () => {
    // Prepare: another writer changes the ledger between every read and write.
    await put(LEDGER_KEY, JSON.stringify(ledgerOf()));
    const lostRaces: number[] = [];
    const interfering = async (ledger: Ledger) => {
      await put(LEDGER_KEY, JSON.stringify({ ...ledger, orphanCount: ledger.orphanCount + 100 }));
      return addOrphan(1)(ledger);
    };

    // Act
    const error = await rejectionOf<NamedError>(
      updateLedger(at, interfering, { now: () => NOW, maxAttempts: 3, onLostRace: (a) => lostRaces.push(a) }),
    );

    // Assess
    expect(error).toBeInstanceOf(NamedError);
    expect(error.name).toBe('LedgerContention');
    expect(error.message).toBe(
      `Lost 3 conditional writes in a row on the export ledger ${LEDGER_URI}: other executions keep writing it. Retried by the state machine.`,
    );
    expect(lostRaces).toEqual([1, 2, 3]);
    expect((await stored()).orphanCount).toBe(300);
  });

  it('refuses to update a corrupt ledger and leaves it as it is', async () => {
    await put(LEDGER_KEY, '{"truncated":');

    const error = await rejectionOf(updateLedger(at, addOrphan(1), { now: () => NOW }));

    expect(error).toBeInstanceOf(LedgerCorruptError);
    expect(await text(LEDGER_KEY)).toBe('{"truncated":');
  });

  it('starts a missing ledger from the pair’s manifests (one object per day)', async () => {
    // Prepare: two manifests, a CSV, a manifest that does not parse, and manifests of other pairs.
    await putManifest(manifest('2026-11-01', '2026-11-08'));
    await putManifest(
      manifest('2026-11-08', '2026-11-15', {
        jobId: 6_000_000_002,
        rows: 0,
        bytes: 40,
        etag: undefined,
        versionId: 'v2',
        copiedAt: '2026-11-21T09:30:00Z',
      }),
    );
    await put(`${MANIFESTS}2026-11-01_2026-11-08.csv`, 'date\n');
    await put(`${MANIFESTS}2026-10-01_2026-10-08.manifest.json`, '{"manifestVersion":1}');
    await putManifest(manifest('2026-10-01', '2026-10-08'), `${PREFIX}manifests/activity/contract=1234567/`);
    await putManifest(manifest('2026-10-01', '2026-10-08'), `${PREFIX}manifests/seat/contract=123456/`);
    const skipped: string[] = [];

    // Act
    const { ledger } = await updateLedger(at, (current) => ({ ledger: current, result: undefined }), {
      now: () => NOW,
      onSkippedManifest: (key) => skipped.push(key),
    });

    // Assess
    const expected = [
      ...fromManifest('2026-11-01', '2026-11-08'),
      ...fromManifest('2026-11-08', '2026-11-15', {
        jobId: 6_000_000_002,
        rows: 0,
        bytes: 40,
        versionId: 'v2',
        landedAt: '2026-11-21T09:30:00.000Z',
      }).map(({ etag: _none, ...o }) => o),
    ];
    expect(ledger.objects).toEqual(expected);
    expect(await stored()).toEqual({ ...emptyLedger('activity', CONTRACT, NOW), objects: expected });
    expect(skipped).toEqual([`${MANIFESTS}2026-10-01_2026-10-08.manifest.json`]);
  });

  it('keeps the newest of overlapping manifests', async () => {
    await putManifest(manifest('2026-11-01', '2026-11-08', { jobId: 1, copiedAt: '2026-11-20T08:00:00.000Z' }));
    await putManifest(manifest('2026-11-05', '2026-11-06', { jobId: 2, copiedAt: '2026-11-25T08:00:00.000Z' }));
    await putManifest(manifest('2026-11-08', '2026-11-09', { jobId: 3, copiedAt: '2026-11-01T08:00:00.000Z' }));

    const { ledger } = await updateLedger(at, (current) => ({ ledger: current, result: undefined }), { now: () => NOW });

    // Per day: the 11-05 window is newest; the 11-08 one is oldest but alone on its day.
    expect(ledger.objects.map((o) => o.jobId)).toEqual([1, 1, 1, 1, 2, 1, 1, 3]);
  });

  it('starts empty without seeding when asked', async () => {
    await putManifest(manifest('2026-11-01', '2026-11-08'));

    const { ledger } = await updateLedger(at, addOrphan(9), { now: () => NOW, seedFromManifests: false });

    expect(ledger.objects).toEqual([]);
    expect((await stored()).objects).toEqual([]);
    expect((await stored()).orphanCount).toBe(1);
  });
});

describe('replaceCorruptLedger', () => {
  it('keeps the corrupt ledger under superseded/ and writes a ledger rebuilt from the manifests', async () => {
    // Prepare
    await put(LEDGER_KEY, 'garbage');
    await putManifest(manifest('2026-11-01', '2026-11-08'));
    const corrupt = await rejectionOf<LedgerCorruptError>(readLedger(at));

    // Act
    const keptAt = await replaceCorruptLedger(at, corrupt, { now: () => NOW });

    // Assess
    expect(keptAt).toBe(`${PREFIX}superseded/ledger/activity/contract=123456.json@2026-12-01T12-00-00.000Z`);
    expect(await text(keptAt)).toBe('garbage');
    expect((await readLedger(at)).ledger).toEqual({
      ...emptyLedger('activity', CONTRACT, NOW),
      objects: fromManifest('2026-11-01', '2026-11-08'),
    });
  });

  it('does not overwrite a ledger another run replaced first', async () => {
    // Prepare: read corrupt; meanwhile another forced run wrote a good ledger.
    await put(LEDGER_KEY, 'garbage');
    const corrupt = await rejectionOf<LedgerCorruptError>(readLedger(at));
    const good = ledgerOf({ orphanCount: 42, claims: [] });
    await put(LEDGER_KEY, JSON.stringify(good));

    // Act
    await replaceCorruptLedger(at, corrupt, { now: () => NOW });

    // Assess
    expect((await readLedger(at)).ledger).toEqual(good);
  });
});
