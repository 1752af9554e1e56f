/**
 * Landing a verified object in the export ledger (lambdas/shared/ledger/landing.ts): the ledger
 * write adds it, supersedes the older objects that share a day with it and releases the claim; the
 * moves of the superseded objects to `<prefix>superseded/` follow, against a real local S3.
 */
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type Ledger, type LedgerObject, ledgerSchema } from '../../lambdas/shared/contract/ledger';
import { claimLost, landObjects, markMoved, moveSuperseded, preserveBeforeOverwrite } from '../../lambdas/shared/ledger/landing';
import { openTestS3, type TestS3 } from './local-s3';
import { claimOf, DATA_FOLDER, landed, ledgerOf, OTHER, OWNER, PREFIX, supersededOf, w } from './fixtures';

const NEW_LANDED_AT = '2026-12-01T12:00:00.000Z';
/** One object landing for a claim on its own window (what a one-day window lands). */
const landObject = (ledger: Ledger, owner: string, object: LedgerObject, prefix: string) =>
  landObjects(ledger, owner, object, [object], prefix);
/** The object OWNER lands for its claim on 11-01..11-08. */
const arriving = (extra: Partial<LedgerObject> = {}): LedgerObject =>
  landed('2026-11-01', '2026-11-08', { jobId: 6_000_000_900, landedBy: OWNER, landedAt: NEW_LANDED_AT, sha256: 'b'.repeat(64), ...extra });

describe('landObject', () => {
  it('is undefined when the owner no longer holds a claim on the object’s window', () => {
    // Prepare: the claim was taken over by OTHER.
    const ledger = ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-08', { owner: OTHER })] });

    // Act / Assess
    expect(landObject(ledger, OWNER, arriving(), PREFIX)).toBeUndefined();
  });

  it('is undefined when the owner’s claim is on another window', () => {
    const ledger = ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-15')] });

    expect(landObject(ledger, OWNER, arriving(), PREFIX)).toBeUndefined();
  });

  it('adds the object in order and releases the claim, superseding nothing when no day is shared', () => {
    // Prepare: landed objects that touch the new one on both sides.
    const before = landed('2026-10-25', '2026-11-01');
    const after = landed('2026-11-08', '2026-11-10');
    const ledger = ledgerOf({ objects: [before, after], claims: [claimOf('2026-11-01', '2026-11-08')] });

    // Act
    const landing = landObject(ledger, OWNER, arriving(), PREFIX);

    // Assess
    expect(landing?.superseded).toEqual([]);
    const next = ledgerSchema.parse(landing?.ledger);
    expect(next.objects).toEqual([before, arriving(), after]);
    expect(next.claims).toEqual([]);
    expect(next.superseded).toEqual([]);
  });

  it('supersedes every older object that shares a day, to be moved under superseded/, and keeps the rest in order', () => {
    // Prepare: 10-25..11-03 and 11-03..11-06 share days with 11-01..11-08; 10-20..10-25 and 11-08..11-10 do not.
    const far = landed('2026-10-20', '2026-10-25');
    const head = landed('2026-10-25', '2026-11-03', { jobId: 6_000_000_101, landedAt: '2026-11-04T06:30:15.123Z' });
    const middle = landed('2026-11-03', '2026-11-06', { jobId: 6_000_000_102, versionId: 'v-102' });
    const next = landed('2026-11-08', '2026-11-10');
    const earlier = supersededOf(landed('2026-09-01', '2026-09-02'), far, true);
    const otherClaim = claimOf('2026-11-20', '2026-11-27', { owner: OTHER });
    const ledger = ledgerOf({
      objects: [far, head, middle, next],
      superseded: [earlier],
      claims: [otherClaim, claimOf('2026-11-01', '2026-11-08')],
    });

    // Act
    const landing = landObject(ledger, OWNER, arriving(), PREFIX);

    // Assess
    const expected = [
      {
        ...head,
        supersededAt: NEW_LANDED_AT,
        supersededBy: `${DATA_FOLDER}2026-11-01_2026-11-08.csv`,
        movedTo: `${PREFIX}superseded/activity/contract=123456/2026-10-25_2026-11-03.csv@2026-11-04T06-30-15.123Z`,
        manifestMovedTo: `${PREFIX}superseded/activity/contract=123456/2026-10-25_2026-11-03.manifest.json@2026-11-04T06-30-15.123Z`,
        moved: false,
      },
      {
        ...middle,
        supersededAt: NEW_LANDED_AT,
        supersededBy: `${DATA_FOLDER}2026-11-01_2026-11-08.csv`,
        movedTo: `${PREFIX}superseded/activity/contract=123456/2026-11-03_2026-11-06.csv@2026-11-30T10-00-00.000Z`,
        manifestMovedTo: `${PREFIX}superseded/activity/contract=123456/2026-11-03_2026-11-06.manifest.json@2026-11-30T10-00-00.000Z`,
        moved: false,
      },
    ];
    expect(landing?.superseded).toEqual(expected);
    const after = ledgerSchema.parse(landing?.ledger);
    expect(after.objects).toEqual([far, arriving(), next]);
    expect(after.superseded).toEqual([earlier, ...expected]);
    expect(after.claims).toEqual([otherClaim]);
    // The ledger read is left as it was (updateLedger may apply the change again).
    expect(ledger.objects).toHaveLength(4);
    expect(ledger.claims).toHaveLength(2);
  });

  it('marks an older object at the same key as moved: its copy was kept before the overwrite', () => {
    // Prepare: a forced export of the same window.
    const old = landed('2026-11-01', '2026-11-08', { jobId: 6_000_000_001, landedAt: '2026-11-10T00:00:00.000Z' });
    const ledger = ledgerOf({ objects: [old], claims: [claimOf('2026-11-01', '2026-11-08')] });

    // Act
    const landing = landObject(ledger, OWNER, arriving(), PREFIX);

    // Assess
    expect(landing?.superseded).toEqual([
      {
        ...old,
        supersededAt: NEW_LANDED_AT,
        supersededBy: old.key,
        movedTo: `${PREFIX}superseded/activity/contract=123456/2026-11-01_2026-11-08.csv@2026-11-10T00-00-00.000Z`,
        manifestMovedTo: `${PREFIX}superseded/activity/contract=123456/2026-11-01_2026-11-08.manifest.json@2026-11-10T00-00-00.000Z`,
        moved: true,
      },
    ]);
    expect(landing?.ledger.objects).toEqual([arriving()]);
  });

  it('names the claim in ClaimLost', () => {
    const error = claimLost(OWNER, w('2026-11-01', '2026-11-08'), 's3://b/k.json', OTHER);

    expect(error.name).toBe('ClaimLost');
    expect(error.message).toContain(
      `execution ${OWNER} no longer holds its claim on 2026-11-01 to 2026-11-08 (end exclusive) in s3://b/k.json (now held by ${OTHER})`,
    );
  });
});

describe('markMoved', () => {
  const by = arriving();
  const a = supersededOf(landed('2026-10-01', '2026-10-03'), by, false);
  const b = supersededOf(landed('2026-10-03', '2026-10-05'), by, false);
  const c = supersededOf(landed('2026-09-01', '2026-09-03'), by, true);
  const ledger = ledgerOf({ superseded: [a, b, c] });

  it('marks the given moves done and leaves the others', () => {
    expect(markMoved(ledger, [a])?.superseded).toEqual([{ ...a, moved: true }, b, c]);
  });

  it('is undefined when nothing it is given is still to move', () => {
    expect(markMoved(ledger, [])).toBeUndefined();
    expect(markMoved(ledger, [c])).toBeUndefined();
    expect(markMoved(ledger, [supersededOf(landed('2026-08-01', '2026-08-02'), by, false)])).toBeUndefined();
  });
});

describe('moving superseded objects in S3', () => {
  const BUCKET = 'landing-test';
  let s3: TestS3;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await openTestS3(BUCKET, 'ledger-landing');
    client = s3.client;
  });

  afterAll(() => s3.close());

  const put = (key: string, body: string): Promise<string> => s3.put(key, body);

  const text = (key: string): Promise<string> => s3.text(key);

  const exists = async (key: string): Promise<boolean> => {
    try {
      await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch (error) {
      if ((error as Error).name === 'NotFound') return false;
      throw error;
    }
  };

  const keysUnder = async (prefix: string): Promise<string[]> =>
    ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((item) => item.Key ?? '');

  /** An object of the ledger at keys with no character that URL encoding changes (see the BUG tests below). */
  const plain = (name: string, extra: Partial<LedgerObject> = {}): LedgerObject =>
    landed('2026-10-25', '2026-11-03', {
      key: `${PREFIX}plain/${name}.csv`,
      manifestKey: `${PREFIX}plain/${name}.manifest.json`,
      ...extra,
    });

  it('moves an object out of the data location and keeps a copy of its manifest, which stays (it may describe other days), and a second call changes nothing', async () => {
    // Prepare: an older object (with the ETag S3 gave it) superseded by 11-01..11-08.
    const csv = 'date,activity\n2026-10-25,3\n';
    const manifest = '{"manifestVersion":1,"rows":1}';
    const old = plain('moved', { landedAt: '2026-11-04T06:30:15.123Z' });
    const etag = await put(old.key, csv);
    await put(old.manifestKey, manifest);
    const landing = landObject(
      ledgerOf({ objects: [{ ...old, etag }], claims: [claimOf('2026-11-01', '2026-11-08')] }),
      OWNER,
      arriving(),
      PREFIX,
    )!;
    const [entry] = landing.superseded;

    // Act
    const first = await moveSuperseded(client, BUCKET, landing.superseded);
    const second = await moveSuperseded(client, BUCKET, landing.superseded);

    // Assess: the sources are gone, the destinations hold the same bytes.
    expect(first).toEqual([entry]);
    expect(second).toEqual([entry]);
    expect(await exists(old.key)).toBe(false);
    expect(await text(old.manifestKey)).toBe(manifest);
    expect([entry!.movedTo, entry!.manifestMovedTo]).toEqual([
      `${PREFIX}superseded/plain/moved.csv@2026-11-04T06-30-15.123Z`,
      `${PREFIX}superseded/plain/moved.manifest.json@2026-11-04T06-30-15.123Z`,
    ]);
    expect(await text(entry!.movedTo)).toBe(csv);
    expect(await text(entry!.manifestMovedTo)).toBe(manifest);
    expect((await keysUnder(`${PREFIX}superseded/plain/moved`)).sort()).toEqual([entry!.movedTo, entry!.manifestMovedTo]);
    // The ledger records the move done.
    expect(markMoved(landing.ledger, first)?.superseded).toEqual([{ ...entry, moved: true }]);
  });

  it('skips entries already moved', async () => {
    // Prepare: an entry the ledger says is moved, whose key holds an object again.
    const old = plain('skipped');
    await put(old.key, 'still here');
    const entry = supersededOf(old, arriving(), true);

    // Act
    const done = await moveSuperseded(client, BUCKET, [entry]);

    // Assess
    expect(done).toEqual([]);
    expect(await text(old.key)).toBe('still here');
    expect(await exists(entry.movedTo)).toBe(false);
  });

  it('keeps a copy aside but never deletes an object at the key that is not the one the ledger recorded', async () => {
    // Prepare: the ledger recorded another ETag: what is there now is another object.
    const old = plain('replaced', { etag: '"00000000000000000000000000000000"' });
    await put(old.key, 'a newer object');
    await put(old.manifestKey, '{}');
    const entry = supersededOf(old, arriving(), false);

    // Act
    await moveSuperseded(client, BUCKET, [entry]);

    // Assess
    expect(await text(old.key)).toBe('a newer object');
  });

  it('preserveBeforeOverwrite copies the landed object and its manifest where landObject records them, and leaves them in place', async () => {
    // Prepare: an object is landed; a forced export of the same window is about to overwrite its key.
    const csv = 'date,activity\n2026-12-01,9\n';
    const manifest = '{"manifestVersion":1,"rows":1,"jobId":6000000001}';
    const old = plain('preserved', { landedAt: '2026-12-09T01:02:03.004Z' });
    await put(old.key, csv);
    await put(old.manifestKey, manifest);
    const ledger = ledgerOf({ objects: [landed('2026-11-01', '2026-11-08'), old] });

    // Act
    const kept = await preserveBeforeOverwrite(client, BUCKET, PREFIX, ledger, old.key);
    const again = await preserveBeforeOverwrite(client, BUCKET, PREFIX, ledger, old.key);

    // Assess
    expect(kept).toEqual(old);
    expect(again).toEqual(old);
    expect(await text(`${PREFIX}superseded/plain/preserved.csv@2026-12-09T01-02-03.004Z`)).toBe(csv);
    expect(await text(`${PREFIX}superseded/plain/preserved.manifest.json@2026-12-09T01-02-03.004Z`)).toBe(manifest);
    expect(await text(old.key)).toBe(csv);
    expect(await text(old.manifestKey)).toBe(manifest);
    // landObject records the same-key object as moved, at the key the copy went to.
    const landing = landObject(
      ledgerOf({ objects: [old], claims: [claimOf('2026-10-25', '2026-11-03')] }),
      OWNER,
      { ...old, landedBy: OWNER, landedAt: NEW_LANDED_AT },
      PREFIX,
    );
    expect(landing?.superseded.map((s) => [s.movedTo, s.manifestMovedTo, s.moved])).toEqual([
      [
        `${PREFIX}superseded/plain/preserved.csv@2026-12-09T01-02-03.004Z`,
        `${PREFIX}superseded/plain/preserved.manifest.json@2026-12-09T01-02-03.004Z`,
        true,
      ],
    ]);
  });

  // BUG (see the report): the copy source is encoded with encodeURIComponent (`contract=123456` →
  // `contract%3D123456`); the local S3 (s3rver) decodes it with decodeURI, which leaves `%3D`, finds no
  // such key and answers NoSuchKey. moveSuperseded takes that for "already moved" and deletes the source
  // anyway: the superseded object and its manifest are lost instead of kept under superseded/.
  it('moves an object at its product key (contract=<id>/…) and keeps its bytes under superseded/', async () => {
    // Prepare
    const csv = 'date,activity\n2026-10-25,3\n';
    const old = landed('2026-10-25', '2026-11-03', { landedAt: '2026-11-04T06:30:15.123Z' });
    const etag = await put(old.key, csv);
    await put(old.manifestKey, '{"manifestVersion":1}');
    const landing = landObject(
      ledgerOf({ objects: [{ ...old, etag }], claims: [claimOf('2026-11-01', '2026-11-08')] }),
      OWNER,
      arriving(),
      PREFIX,
    )!;

    // Act
    await moveSuperseded(client, BUCKET, landing.superseded);

    // Assess: whatever else happens, the bytes are never lost.
    const keptAt = `${PREFIX}superseded/activity/contract=123456/2026-10-25_2026-11-03.csv@2026-11-04T06-30-15.123Z`;
    const bytesKeptSomewhere = (await exists(keptAt)) || (await exists(old.key));
    expect(bytesKeptSomewhere).toBe(true);
    expect(await text(keptAt)).toBe(csv);
    expect(await exists(old.key)).toBe(false);
  });

  it('preserveBeforeOverwrite keeps a copy of an object at its product key (contract=<id>/…)', async () => {
    // Prepare: same cause as above; here the copy is silently skipped before the overwrite.
    const old = landed('2026-12-01', '2026-12-08', { landedAt: '2026-12-09T01:02:03.004Z' });
    await put(old.key, 'landed bytes');
    await put(old.manifestKey, '{}');

    // Act
    await preserveBeforeOverwrite(client, BUCKET, PREFIX, ledgerOf({ objects: [old] }), old.key);

    // Assess
    expect(await text(`${PREFIX}superseded/activity/contract=123456/2026-12-01_2026-12-08.csv@2026-12-09T01-02-03.004Z`)).toBe(
      'landed bytes',
    );
  });

  it('preserveBeforeOverwrite copies nothing for a key the ledger does not hold', async () => {
    const key = `${DATA_FOLDER}2026-07-01_2026-07-08.csv`;
    await put(key, 'unrecorded');

    const kept = await preserveBeforeOverwrite(client, BUCKET, PREFIX, ledgerOf({ objects: [landed('2026-11-01', '2026-11-08')] }), key);

    expect(kept).toBeUndefined();
    expect(await keysUnder(`${PREFIX}superseded/activity/contract=123456/2026-07-01`)).toEqual([]);
  });
});
