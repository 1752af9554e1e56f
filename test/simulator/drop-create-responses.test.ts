/**
 * The "create answer lost" fault (dropCreateResponses): LinkedIn creates the job, but the
 * connection drops before its answer, so the caller cannot know the job exists. Checked with the
 * real LinkedIn client, which must report it as a network failure, never as "no job".
 */
import { EXPORT_ACTIONS } from '../../lambdas/shared/contract/export-types';
import { LinkedInClient } from '../../lambdas/shared/linkedin/client';
import { LinkedInUnavailable } from '../../lambdas/shared/linkedin/errors';
import { inPairScope, parseFaults, startSimulator, type Simulator } from '../../local/simulator';
import { rejectionOf } from '../helpers/rejection';
import { CONTRACT, DAY, WINDOW } from './helpers';

const OTHER = 'urn:li:contract:5000000';

describe('dropCreateResponses', () => {
  let sim: Simulator;
  let client: LinkedInClient;
  beforeEach(async () => {
    sim = await startSimulator({
      contracts: [
        { contract: CONTRACT, name: 'A', hasReportingAccess: true },
        { contract: OTHER, name: 'B', hasReportingAccess: true },
      ],
    });
    client = new LinkedInClient({ baseUrl: sim.baseUrl, token: async () => sim.token, timeoutMs: 10_000 });
  });
  afterEach(() => sim.close());

  it('creates the job but drops the answer: the client sees a network failure, the job runs to COMPLETED', async () => {
    sim.faults.dropCreateResponses = { count: 1 };

    const error = await rejectionOf<LinkedInUnavailable>(client.createExportJob('activity', CONTRACT, WINDOW.startAt, WINDOW.endAt));

    expect(error).toBeInstanceOf(LinkedInUnavailable);
    expect(error.reason).toBe('network');
    // undici: "fetch failed", caused by SocketError "other side closed" (code UND_ERR_SOCKET).
    expect(error.message).toContain('Could not reach LinkedIn (UND_ERR_SOCKET)');
    expect(error.httpStatus).toBeUndefined();
    const [lost] = sim.jobs();
    expect(sim.jobs()).toHaveLength(1);
    expect(lost).toMatchObject({ contract: CONTRACT, action: EXPORT_ACTIONS.activity, ...WINDOW });
    // Recorded, with no status: the request was made and took effect.
    expect(sim.countCalls({ route: 'createJob' })).toBe(1);
    expect(sim.countCalls({ route: 'createJob', status: 0 })).toBe(1);
    expect(sim.faults.dropCreateResponses).toBeUndefined();

    // The second create answers; its job queues behind the lost one (same contract and action).
    const second = await client.createExportJob('activity', CONTRACT, WINDOW.startAt, WINDOW.endAt);
    expect(second.id).toBe(lost!.id + 1);
    expect(sim.jobs().map((job) => job.id)).toEqual([lost!.id, second.id]);
    expect(sim.countCalls({ route: 'createJob', status: 200 })).toBe(1);

    // Nobody was told its id, yet the lost job is as real as any: it completes and can be fetched.
    sim.advanceTime(DAY);
    expect(await client.getExportJob(lost!.id, CONTRACT)).toMatchObject({ id: lost!.id, status: 'COMPLETED' });
  });

  it('scoped to pairs: creates of other pairs answer and leave the count alone', async () => {
    sim.faults.dropCreateResponses = { count: 1, contracts: [OTHER], exportTypes: ['seat'] };

    await client.createExportJob('seat', CONTRACT, WINDOW.startAt, WINDOW.endAt);
    await client.createExportJob('activity', OTHER, WINDOW.startAt, WINDOW.endAt);
    expect(sim.faults.dropCreateResponses).toEqual({ count: 1, contracts: [OTHER], exportTypes: ['seat'] });

    const error = await rejectionOf<LinkedInUnavailable>(client.createExportJob('seat', OTHER, WINDOW.startAt, WINDOW.endAt));
    expect(error.reason).toBe('network');
    expect(sim.jobs()).toHaveLength(3);
    expect(sim.faults.dropCreateResponses).toBeUndefined();
  });

  it('count 0 never fires', async () => {
    sim.faults.dropCreateResponses = { count: 0 };
    await client.createExportJob('activity', CONTRACT, WINDOW.startAt, WINDOW.endAt);
    expect(sim.countCalls({ route: 'createJob', status: 200 })).toBe(1);
  });

  it('comes from the CLI JSON and from startSimulator options alike', async () => {
    expect(parseFaults({ dropCreateResponses: { count: 2, exportTypes: ['exportSeatData'] } })).toEqual({
      dropCreateResponses: { count: 2, exportTypes: ['exportSeatData'] },
    });
    expect(() => parseFaults({ dropCreateResponses: 1 })).toThrow('fault "dropCreateResponses" must be {count: a non-negative integer');
    expect(() => parseFaults({ dropCreateResponses: { count: 1.5 } })).toThrow('non-negative integer');
    expect(() => parseFaults({ dropCreateResponses: { count: 1, exportTypes: ['seats'] } })).toThrow('exportTypes are among');

    const started = await startSimulator({ faults: { dropCreateResponses: { count: 1 } } });
    try {
      const viaOptions = new LinkedInClient({ baseUrl: started.baseUrl, token: async () => started.token });
      expect(
        (await rejectionOf<LinkedInUnavailable>(viaOptions.createExportJob('seat', CONTRACT, WINDOW.startAt, WINDOW.endAt))).reason,
      ).toBe('network');
      expect(started.jobs()).toHaveLength(1);
    } finally {
      await started.close();
    }
  });

  it('inPairScope: absent lists do not narrow; export types by name or by action', () => {
    expect(inPairScope({}, CONTRACT, 'seat')).toBe(true);
    expect(inPairScope({ contracts: [OTHER] }, CONTRACT, 'seat')).toBe(false);
    expect(inPairScope({ exportTypes: ['exportSeatData'] }, CONTRACT, 'seat')).toBe(true);
    expect(inPairScope({ exportTypes: ['activity'] }, CONTRACT, 'seat')).toBe(false);
  });
});
