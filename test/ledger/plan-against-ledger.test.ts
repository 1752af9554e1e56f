/**
 * The Plan's pass over the export ledger (lambdas/shared/ledger/plan-against-ledger.ts), with the
 * ledgers in a real local S3: landed days are cut out of the pairs' windows, a pair with nothing
 * left is listed as already landed, forced pairs and pairs with a corrupt ledger are kept as asked.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ExportType } from '../../lambdas/shared/contract/export-types';
import type { Ledger, LedgerObject } from '../../lambdas/shared/contract/ledger';
import type { ExportTask, ExportWindow } from '../../lambdas/shared/contract/state';
import { planAgainstLedger } from '../../lambdas/shared/ledger/plan-against-ledger';
import type { LedgerLocation } from '../../lambdas/shared/ledger/store';
import { NO_LEDGER_NOTES } from '../../lambdas/shared/workflow/claim-steps';
import { ledgerKey } from '../../lambdas/shared/workflow/keys';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';
import { openTestS3, type TestS3 } from './local-s3';
import { landed, ledgerOf, PREFIX, w } from './fixtures';

const BUCKET = 'plan-ledger';
let s3: TestS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await openTestS3(BUCKET, 'ledger-plan');
  client = s3.client;
});

afterAll(() => s3.close());

const locationOf = (task: ExportTask): LedgerLocation => ({
  s3: client,
  bucket: BUCKET,
  prefix: PREFIX,
  exportType: task.exportType,
  contract: task.contract,
});

/** Stores `body` as the pair's ledger (a plain PutObject: the Plan only reads). */
const storeLedger = async (exportType: ExportType, contract: string, body: string): Promise<void> => {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: ledgerKey(PREFIX, exportType, contract), Body: body }));
};

/** A ledger of the pair holding `objects`. */
const ledgerWith = (exportType: ExportType, contract: string, objects: LedgerObject[]): string =>
  JSON.stringify({ ...ledgerOf({ objects }), exportType, contract } satisfies Ledger);

const task = (exportType: ExportType, contract: string, windows: ExportWindow[], force = false): ExportTask =>
  plannedTask(exportType, contract, windows, { force });

describe('planAgainstLedger', () => {
  it('leaves out pairs whose days all landed, cuts the others to their gaps and keeps forced, new and corrupt pairs as asked', async () => {
    // Prepare: one pair per case, each with its own contract.
    const done = task('activity', 'urn:li:contract:1001', [w('2026-11-01', '2026-11-08')]);
    await storeLedger(
      'activity',
      'urn:li:contract:1001',
      ledgerWith('activity', 'urn:li:contract:1001', [landed('2026-10-25', '2026-11-04'), landed('2026-11-04', '2026-11-09')]),
    );

    const partly = task('activityOutcome', 'urn:li:contract:1002', [w('2026-11-01', '2026-11-08'), w('2026-11-08', '2026-11-15')]);
    await storeLedger(
      'activityOutcome',
      'urn:li:contract:1002',
      ledgerWith('activityOutcome', 'urn:li:contract:1002', [landed('2026-11-03', '2026-11-10')]),
    );

    const forced = task('activity', 'urn:li:contract:1003', [w('2026-11-01', '2026-11-08')], true);
    await storeLedger(
      'activity',
      'urn:li:contract:1003',
      ledgerWith('activity', 'urn:li:contract:1003', [landed('2026-11-01', '2026-11-08')]),
    );

    const fresh = task('seat', 'urn:li:contract:1004', [w('2026-11-01', '2026-11-08')]);

    const corrupt = task('seat', 'urn:li:contract:1005', [w('2026-11-01', '2026-11-08')]);
    await storeLedger('seat', 'urn:li:contract:1005', '{"ledgerVersion": 1, "exportType": "seat"');

    const elsewhere = task('activity', 'urn:li:contract:1006', [w('2026-11-01', '2026-11-08')]);
    await storeLedger(
      'activity',
      'urn:li:contract:1006',
      ledgerWith('activity', 'urn:li:contract:1006', [landed('2026-10-01', '2026-11-01'), landed('2026-11-08', '2026-11-09')]),
    );

    // Act
    const planned = await planAgainstLedger([done, partly, forced, fresh, corrupt, elsewhere], locationOf);

    // Assess
    expect(planned.alreadyLanded).toEqual([
      { exportType: 'activity', contract: 'urn:li:contract:1001', windows: [w('2026-11-01', '2026-11-08')], days: 7 },
    ]);
    expect(planned.tasks).toEqual([
      {
        ...partly,
        pending: [w('2026-11-01', '2026-11-03'), w('2026-11-10', '2026-11-15')],
        ledger: { ...NO_LEDGER_NOTES, skipped: [w('2026-11-03', '2026-11-10')], skippedDays: 7 },
      },
      forced,
      fresh,
      corrupt,
      elsewhere,
    ]);
    expect(planned.skippedDays).toBe(14);
    expect(planned.corrupt).toEqual([`s3://${BUCKET}/${PREFIX}ledger/seat/contract=1005.json`]);
  });

  it('cuts only the window with landed days and adds to the notes the task already has', async () => {
    // Prepare: 200 days asked, the first 10 landed; the task carries notes from before.
    const long = {
      ...task('activity', 'urn:li:contract:2001', [
        w('2026-01-01', '2026-04-01'),
        w('2026-04-01', '2026-06-30'),
        w('2026-06-30', '2026-07-20'),
      ]),
      ledger: { ...NO_LEDGER_NOTES, skipped: [w('2025-12-01', '2025-12-02')], skippedDays: 1, claimWaits: 2 },
    };
    await storeLedger(
      'activity',
      'urn:li:contract:2001',
      ledgerWith('activity', 'urn:li:contract:2001', [landed('2026-01-01', '2026-01-11')]),
    );

    // Act
    const planned = await planAgainstLedger([long], locationOf);

    // Assess: the first window shrinks to 80 days; the others stay as they are.
    expect(planned.tasks).toHaveLength(1);
    expect(planned.tasks[0]!.pending).toEqual([
      w('2026-01-11', '2026-04-01'),
      w('2026-04-01', '2026-06-30'),
      w('2026-06-30', '2026-07-20'),
    ]);
    expect(planned.tasks[0]!.ledger).toEqual({
      ...NO_LEDGER_NOTES,
      skipped: [w('2025-12-01', '2025-12-02'), w('2026-01-01', '2026-01-11')],
      skippedDays: 11,
      claimWaits: 2,
    });
    expect(planned.skippedDays).toBe(10);
    expect(planned.alreadyLanded).toEqual([]);
  });

  it('counts the skipped days of several windows of an already landed pair', async () => {
    const twice = task('seat', 'urn:li:contract:3001', [w('2026-11-01', '2026-11-03'), w('2026-11-10', '2026-11-11')]);
    await storeLedger('seat', 'urn:li:contract:3001', ledgerWith('seat', 'urn:li:contract:3001', [landed('2026-11-01', '2026-11-20')]));

    const planned = await planAgainstLedger([twice], locationOf);

    expect(planned).toEqual({
      tasks: [],
      alreadyLanded: [
        {
          exportType: 'seat',
          contract: 'urn:li:contract:3001',
          windows: [w('2026-11-01', '2026-11-03'), w('2026-11-10', '2026-11-11')],
          days: 3,
        },
      ],
      skippedDays: 3,
      corrupt: [],
    });
  });

  it('plans nothing for no tasks', async () => {
    expect(await planAgainstLedger([], locationOf)).toEqual({ tasks: [], alreadyLanded: [], skippedDays: 0, corrupt: [] });
  });

  it('fails on an S3 error that is not a corrupt ledger', async () => {
    const lost = task('activity', 'urn:li:contract:4001', [w('2026-11-01', '2026-11-08')]);

    await expect(planAgainstLedger([lost], (t) => ({ ...locationOf(t), bucket: 'no-such-bucket' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
  });
});
