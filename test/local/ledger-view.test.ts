/**
 * The pure part of `npm run cli -- ledger` (local/ledger-view.ts): a pair's coverage from its
 * ledger (merged landed days, gaps, claims, superseded, orphans), the ledger keys, and the text
 * and JSON. Every ledger here is checked against the schema the workflow writes with.
 */
import { ledgerOf } from '../ledger/fixtures';
import type { Ledger, LedgerClaim, LedgerObject, SupersededObject } from '../../lambdas/shared/contract/ledger';
import { parseUtcDay } from '../../lambdas/shared/contract/utc-day';
import { ledgerKey } from '../../lambdas/shared/workflow/keys';
import {
  corruptLine,
  type LedgerListing,
  ledgerViewJson,
  ledgerViewText,
  MAX_RANGES_SHOWN,
  noLedgerText,
  pairOfLedgerKey,
  pairView,
} from '../../local/ledger-view';

const PREFIX = 'linkedin-sales-navigator/';
const BUCKET = 'exports';
const CONTRACT = 'urn:li:contract:123456';
const OWNER = 'arn:aws:states:eu-west-1:111122223333:execution:exports:run-2';
const NOW = Date.parse('2026-12-01T12:00:00.000Z');

const day = (text: string): number => parseUtcDay(text) as number;

const object = (from: string, to: string, jobId = 6_000_000_001): LedgerObject => ({
  startAt: day(from),
  endAt: day(to),
  key: `${PREFIX}seat/contract=123456/${from}_${to}.csv`,
  manifestKey: `${PREFIX}seat/contract=123456/${from}_${to}.manifest.json`,
  etag: '"0123"',
  sha256: 'a'.repeat(64),
  rows: 10,
  bytes: 1_000,
  jobId,
  landedBy: 'arn:aws:states:eu-west-1:111122223333:execution:exports:run-1',
  landedAt: '2026-11-30T10:00:00.000Z',
});

const claim = (from: string, to: string, extra: Partial<LedgerClaim> = {}): LedgerClaim => ({
  startAt: day(from),
  endAt: day(to),
  owner: OWNER,
  claimedAt: '2026-12-01T11:00:00.000Z',
  leaseUntil: Date.parse('2026-12-01T13:00:00.000Z'),
  jobIds: [],
  unconfirmedCreates: 0,
  ...extra,
});

const superseded = (from: string, to: string, moved: boolean): SupersededObject => ({
  ...object(from, to, 6_000_000_000),
  supersededAt: '2026-11-30T11:00:00.000Z',
  supersededBy: object(from, to).key,
  movedTo: `${PREFIX}superseded/seat/contract=123456/${from}_${to}.csv@2026-11-30T11-00-00.000Z`,
  manifestMovedTo: `${PREFIX}superseded/seat/contract=123456/${from}_${to}.manifest.json@2026-11-30T11-00-00.000Z`,
  moved,
});

/** A ledger as the workflow would write it: parsed by its own schema, so a fixture cannot drift from it. */
const ledger = (over: Partial<Ledger> = {}): Ledger => ledgerOf({ exportType: 'seat', ...over });

const KEY = ledgerKey(PREFIX, 'seat', CONTRACT);

/** 11-01..11-08 and 11-08..11-10 touch (one range); a gap 11-10..11-12; 11-12..11-13 landed; 11-13..11-15 claimed. */
const busy = ledger({
  objects: [object('2026-11-01', '2026-11-08'), object('2026-11-08', '2026-11-10'), object('2026-11-12', '2026-11-13')],
  claims: [claim('2026-11-13', '2026-11-15', { jobId: 6_000_000_007, jobIds: [6_000_000_006, 6_000_000_007], jobCreatedAt: NOW })],
  superseded: [superseded('2026-11-01', '2026-11-08', true), superseded('2026-11-08', '2026-11-10', false)],
  orphans: [
    { startAt: day('2026-11-13'), endAt: day('2026-11-15'), owner: OWNER, reason: 'unconfirmedCreate', at: '2026-12-01T11:10:00.000Z' },
  ],
  orphanCount: 3,
});

describe('pairOfLedgerKey', () => {
  it('reads the pair from <prefix>ledger/<type>/contract=<id>.json', () => {
    expect(pairOfLedgerKey(PREFIX, KEY)).toEqual({ exportType: 'seat', contract: CONTRACT });
    expect(pairOfLedgerKey('', 'ledger/activityOutcome/contract=9.json')).toEqual({
      exportType: 'activityOutcome',
      contract: 'urn:li:contract:9',
    });
  });

  it.each([
    ['another prefix', 'other/ledger/seat/contract=123456.json'],
    ['an unknown export type', `${PREFIX}ledger/seats/contract=123456.json`],
    ['no contract= part', `${PREFIX}ledger/seat/123456.json`],
    ['not .json', `${PREFIX}ledger/seat/contract=123456.json.bak`],
    ['a deeper key', `${PREFIX}ledger/seat/x/contract=123456.json`],
  ])('is undefined for %s', (_, key) => {
    expect(pairOfLedgerKey(PREFIX, key)).toBeUndefined();
  });
});

describe('pairView', () => {
  it('merges touching landed days, finds the gaps in the pair’s own extent, and lists claims, superseded and orphans', () => {
    const view = pairView({ key: KEY, ledger: busy }, NOW);

    expect(view.range).toEqual({ startAt: day('2026-11-01'), endAt: day('2026-11-15') });
    expect(view.landed).toEqual([
      { startAt: day('2026-11-01'), endAt: day('2026-11-10') },
      { startAt: day('2026-11-12'), endAt: day('2026-11-13') },
    ]);
    expect(view).toMatchObject({ objects: 3, rows: 30, bytes: 3_000, superseded: 2, orphanCount: 3 });
    // Claimed days have not landed: they are gaps too, and the claim says who is on them.
    expect(view.gaps).toEqual([
      { startAt: day('2026-11-10'), endAt: day('2026-11-12') },
      { startAt: day('2026-11-13'), endAt: day('2026-11-15') },
    ]);
    expect(view.claims).toEqual([
      {
        window: { startAt: day('2026-11-13'), endAt: day('2026-11-15') },
        owner: OWNER,
        jobId: 6_000_000_007,
        jobIds: [6_000_000_006, 6_000_000_007],
        claimedAt: '2026-12-01T11:00:00.000Z',
        leaseUntil: Date.parse('2026-12-01T13:00:00.000Z'),
        leaseExpired: false,
        unconfirmedCreates: 0,
      },
    ]);
    expect(view.pendingMoves).toEqual([
      {
        key: object('2026-11-08', '2026-11-10').key,
        movedTo: `${PREFIX}superseded/seat/contract=123456/2026-11-08_2026-11-10.csv@2026-11-30T11-00-00.000Z`,
        supersededAt: '2026-11-30T11:00:00.000Z',
      },
    ]);
  });

  it('within --from/--to: landed days are cut to the range, gaps run to its ends, claims outside it are left out', () => {
    const range = { startAt: day('2026-10-30'), endAt: day('2026-11-11') };

    const view = pairView({ key: KEY, ledger: busy }, NOW, range);

    expect(view.range).toEqual(range);
    expect(view.landed).toEqual([{ startAt: day('2026-11-01'), endAt: day('2026-11-10') }]);
    expect(view.gaps).toEqual([
      { startAt: day('2026-10-30'), endAt: day('2026-11-01') },
      { startAt: day('2026-11-10'), endAt: day('2026-11-11') },
    ]);
    expect(view.objects).toBe(2);
    expect(view.claims).toEqual([]);
  });

  it('a claim whose lease has run out says so, with its lost creates and the owner it took over from', () => {
    const stale = ledger({
      claims: [
        claim('2026-11-01', '2026-11-02', {
          leaseUntil: NOW - 1,
          creating: Date.parse('2026-12-01T11:05:00.000Z'),
          unconfirmedCreates: 2,
          tookOverFrom: 'arn:aws:states:eu-west-1:111122223333:execution:exports:run-0',
        }),
      ],
    });

    const [view] = pairView({ key: KEY, ledger: stale }, NOW).claims;

    expect(view).toMatchObject({
      leaseExpired: true,
      unconfirmedCreates: 2,
      creatingSince: Date.parse('2026-12-01T11:05:00.000Z'),
      tookOverFrom: 'arn:aws:states:eu-west-1:111122223333:execution:exports:run-0',
    });
    expect(view).not.toHaveProperty('jobId');
  });

  it('an empty ledger has no range and no gaps (nothing to measure them against)', () => {
    const view = pairView({ key: KEY, ledger: ledger() }, NOW);
    expect(view.range).toBeUndefined();
    expect(view).toMatchObject({ landed: [], gaps: [], claims: [], objects: 0 });
  });
});

const listing = (entries: LedgerListing['entries'], ignoredKeys: string[] = []): LedgerListing => ({ entries, ignoredKeys });
const CORRUPT_KEY = ledgerKey(PREFIX, 'activity', CONTRACT);

describe('ledgerViewText', () => {
  it('shows each pair’s days (end exclusive), claims, superseded and orphans, then the corrupt ledgers', () => {
    const text = ledgerViewText(
      listing([
        { key: KEY, exportType: 'seat', contract: CONTRACT, ledger: busy },
        { key: CORRUPT_KEY, exportType: 'activity', contract: CONTRACT, corrupt: 'not JSON, 9 characters' },
      ]),
      { bucket: BUCKET, prefix: PREFIX, now: NOW },
    );

    expect(text).toBe(
      [
        'Export ledger s3://exports/linkedin-sales-navigator/ledger/: 2 pair(s), 1 corrupt (days from..to, to exclusive, UTC)',
        '',
        `seat ${CONTRACT}`,
        '  Landed      10 day(s) in 3 object(s), 30 rows, 2.9 KiB: 2026-11-01..2026-11-10, 2026-11-12..2026-11-13',
        '  Gaps        4 day(s) of 2026-11-01..2026-11-15: 2026-11-10..2026-11-12, 2026-11-13..2026-11-15',
        `  In flight   2026-11-13..2026-11-15 job 6000000007, owner ${OWNER}, claimed 2026-12-01T11:00:00.000Z, lease until 2026-12-01T13:00:00.000Z, jobs 6000000006, 6000000007`,
        '  Superseded  2, 1 not moved yet:',
        '                s3://exports/linkedin-sales-navigator/seat/contract=123456/2026-11-08_2026-11-10.csv -> s3://exports/linkedin-sales-navigator/superseded/seat/contract=123456/2026-11-08_2026-11-10.csv@2026-11-30T11-00-00.000Z',
        '  Orphans     3',
        '  Ledger      s3://exports/linkedin-sales-navigator/ledger/seat/contract=123456.json, updated 2026-12-01T11:30:00.000Z',
        '',
        'LedgerCorrupt: s3://exports/linkedin-sales-navigator/ledger/activity/contract=123456.json: not JSON, 9 characters',
      ].join('\n'),
    );
  });

  it('says when nothing landed, nothing is claimed and there is no gap', () => {
    const full = ledger({ objects: [object('2026-11-01', '2026-11-02')] });
    const range = { startAt: day('2026-11-01'), endAt: day('2026-11-02') };

    const empty = ledgerViewText(listing([{ key: KEY, exportType: 'seat', contract: CONTRACT, ledger: ledger() }]), {
      bucket: BUCKET,
      prefix: PREFIX,
      now: NOW,
    });
    const covered = ledgerViewText(listing([{ key: KEY, exportType: 'seat', contract: CONTRACT, ledger: full }]), {
      bucket: BUCKET,
      prefix: PREFIX,
      now: NOW,
      range,
    });

    expect(empty).toContain('  Landed      nothing\n  Gaps        none (nothing landed or claimed yet)\n  In flight   none\n');
    expect(covered).toContain('Export ledger s3://exports/linkedin-sales-navigator/ledger/, days 2026-11-01..2026-11-02: 1 pair(s)');
    expect(covered).toContain('  Gaps        none in 2026-11-01..2026-11-02\n');
  });

  it(`lists at most ${MAX_RANGES_SHOWN} ranges per line and says how many more --json has`, () => {
    // Every other day landed over 30 days: 15 ranges landed, 14 gaps between them.
    const objects = Array.from({ length: 15 }, (_, i) => {
      const start = day('2026-11-01') + 2 * i * 86_400_000;
      return object(new Date(start).toISOString().slice(0, 10), new Date(start + 86_400_000).toISOString().slice(0, 10));
    });

    const text = ledgerViewText(listing([{ key: KEY, exportType: 'seat', contract: CONTRACT, ledger: ledger({ objects }) }]), {
      bucket: BUCKET,
      prefix: PREFIX,
      now: NOW,
    });

    expect(text).toContain('2026-11-19..2026-11-20 … and 5 more (--json lists all)');
    expect(text).toContain('14 day(s) of 2026-11-01..2026-11-30: ');
    expect(text).toContain(' … and 4 more (--json lists all)');
  });

  it('with no ledger at all says where it looked and how ledgers come to be', () => {
    expect(ledgerViewText(listing([]), { bucket: BUCKET, prefix: PREFIX, now: NOW })).toBe(
      'No ledger entries yet under s3://exports/linkedin-sales-navigator/ledger/ (run npm start or start an execution)',
    );
    expect(noLedgerText(BUCKET, '', { exportTypes: ['seat'], contracts: [CONTRACT] })).toBe(
      `No ledger entries yet under s3://exports/ledger/ for seat ${CONTRACT} (run npm start or start an execution)`,
    );
    // All three types is no narrowing worth saying.
    expect(noLedgerText(BUCKET, PREFIX, { exportTypes: ['activity', 'activityOutcome', 'seat'] })).not.toContain(' for ');
  });

  it('names objects in the ledger folder that are not ledgers, without calling them corrupt', () => {
    const text = ledgerViewText(listing([], [`${PREFIX}ledger/README.txt`]), { bucket: BUCKET, prefix: PREFIX, now: NOW });
    expect(text).toContain('No ledger entries yet');
    expect(text).toContain(
      'Ignored 1 object(s) under s3://exports/linkedin-sales-navigator/ledger/ that are not at a ledger key (<type>/contract=<id>.json): linkedin-sales-navigator/ledger/README.txt',
    );
  });

  it('corruptLine names the object as the workflow’s error does', () => {
    expect(corruptLine(BUCKET, { key: CORRUPT_KEY, corrupt: 'objects.0.sha256: Invalid input' })).toBe(
      'LedgerCorrupt: s3://exports/linkedin-sales-navigator/ledger/activity/contract=123456.json: objects.0.sha256: Invalid input',
    );
  });
});

describe('ledgerViewJson', () => {
  it('is one stable object: every range as days and epoch ms, claims with ISO times, corrupt entries in place', () => {
    const json = ledgerViewJson(
      listing([
        { key: CORRUPT_KEY, exportType: 'activity', contract: CONTRACT, corrupt: 'not JSON, 9 characters' },
        { key: KEY, exportType: 'seat', contract: CONTRACT, ledger: busy },
      ]),
      { bucket: BUCKET, prefix: PREFIX, now: NOW, range: { startAt: day('2026-11-09'), endAt: day('2026-11-15') } },
    );

    const range = (from: string, to: string, days: number) => ({ from, to, startAt: day(from), endAt: day(to), days });
    expect(json).toEqual({
      ledgerFolder: 's3://exports/linkedin-sales-navigator/ledger/',
      range: range('2026-11-09', '2026-11-15', 6),
      pairs: [
        {
          exportType: 'activity',
          contract: CONTRACT,
          uri: 's3://exports/linkedin-sales-navigator/ledger/activity/contract=123456.json',
          corrupt: 'not JSON, 9 characters',
        },
        {
          exportType: 'seat',
          contract: CONTRACT,
          uri: 's3://exports/linkedin-sales-navigator/ledger/seat/contract=123456.json',
          updatedAt: '2026-12-01T11:30:00.000Z',
          range: range('2026-11-09', '2026-11-15', 6),
          landed: [range('2026-11-09', '2026-11-10', 1), range('2026-11-12', '2026-11-13', 1)],
          landedDays: 2,
          objects: 2,
          rows: 20,
          bytes: 2_000,
          gaps: [range('2026-11-10', '2026-11-12', 2), range('2026-11-13', '2026-11-15', 2)],
          gapDays: 4,
          claims: [
            {
              ...range('2026-11-13', '2026-11-15', 2),
              owner: OWNER,
              jobId: 6_000_000_007,
              jobIds: [6_000_000_006, 6_000_000_007],
              claimedAt: '2026-12-01T11:00:00.000Z',
              leaseUntil: '2026-12-01T13:00:00.000Z',
              leaseExpired: false,
              unconfirmedCreates: 0,
            },
          ],
          superseded: {
            count: 2,
            pendingMoves: [
              {
                key: object('2026-11-08', '2026-11-10').key,
                movedTo: `${PREFIX}superseded/seat/contract=123456/2026-11-08_2026-11-10.csv@2026-11-30T11-00-00.000Z`,
                supersededAt: '2026-11-30T11:00:00.000Z',
              },
            ],
          },
          orphanCount: 3,
        },
      ],
      corrupt: 1,
      ignoredKeys: [],
    });
  });

  it('an empty ledger has range null', () => {
    const json = ledgerViewJson(listing([{ key: KEY, exportType: 'seat', contract: CONTRACT, ledger: ledger() }]), {
      bucket: BUCKET,
      prefix: PREFIX,
      now: NOW,
    });
    expect(json.range).toBeNull();
    expect(json.pairs[0]).toMatchObject({ range: null, landed: [], gaps: [], landedDays: 0, gapDays: 0 });
  });
});
