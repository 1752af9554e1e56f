/**
 * The LinkedIn client against the LinkedIn simulator (local/simulator): every endpoint, every
 * error class, both envelopes (absent vs explicit null), paging. Network errors and timeouts
 * use a closed port and a server that never answers (http-stub.ts).
 */
import { LinkedInClient } from '../../lambdas/shared/linkedin/client';
import {
  LinkedInAuthError,
  LinkedInBadRequest,
  LinkedInError,
  LinkedInForbidden,
  LinkedInNotFound,
  LinkedInProtocolError,
  LinkedInThrottled,
  LinkedInUnavailable,
} from '../../lambdas/shared/linkedin/errors';
import { EXPORT_ACTIONS, EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';
import { classifyJobStatus } from '../../lambdas/shared/linkedin/status';
import {
  DEFAULT_CONTRACTS,
  generatedContractUrn,
  manyContracts,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../../local/simulator';
import { closedPortUrl, startSilentServer } from './http-stub';
import { rejectionOf } from '../helpers/rejection';

const WITH_ACCESS = 'urn:li:contract:123456';
const WITHOUT_ACCESS = 'urn:li:contract:1234560';
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** A one-day window well in the past (no data-delay question). */
const START = Date.UTC(2026, 0, 10);
const END = START + DAY;

let sim: Simulator;
let client: LinkedInClient;
/** The waits between attempts the client asked for (returned at once: the tests stay fast). */
let sleeps: number[];

const failureOf = async (promise: Promise<unknown>): Promise<LinkedInError> => {
  const error = await rejectionOf<LinkedInError>(promise);
  expect(error).toBeInstanceOf(LinkedInError);
  return error;
};

/** Moves the simulator past ENQUEUED and PROCESSING (defaults 500 ms + 1000 ms). */
const finishJobs = (): void => sim.advanceTime(10_000);

beforeAll(async () => {
  // 2 documented contracts + 23 generated: three pages of 10.
  sim = await startSimulator({ contracts: [...DEFAULT_CONTRACTS, ...manyContracts(23)] });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetCalls();
  sleeps = [];
  client = new LinkedInClient({
    baseUrl: sim.baseUrl,
    token: async () => sim.token,
    timeoutMs: 10_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
});

describe('listContracts', () => {
  it('follows paging across more contracts than one page', async () => {
    // Act
    const contracts = await client.listContracts();
    // Assess
    expect(contracts.map((c) => c.contract)).toEqual(sim.contracts.map((c) => c.contract));
    expect(contracts.find((c) => c.contract === WITHOUT_ACCESS)?.hasReportingAccess).toBe(false);
    expect(contracts.find((c) => c.contract === WITH_ACCESS)).toMatchObject({
      name: 'North America Sales Team',
      hasReportingAccess: true,
    });
    expect(sim.countCalls({ route: 'contracts', status: 200 })).toBe(3);
  });

  it('a schema violation (no elements) on every attempt is a protocol error after 3 attempts', async () => {
    sim.faults.schemaViolation = { count: 3, route: 'contracts' };
    const error = await failureOf(client.listContracts());
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('after 3 attempts');
    expect(error.message).toContain('elements');
    expect(sim.countCalls({ route: 'contracts' })).toBe(3);
  });

  it('a schema violation on one page is asked again and the walk completes', async () => {
    sim.faults.schemaViolation = { count: 1, route: 'contracts' };
    expect(await client.listContracts()).toHaveLength(sim.contracts.length);
    expect(sim.countCalls({ route: 'contracts' })).toBe(4);
    expect(sleeps).toEqual([1_000]);
  });
});

describe('createExportJob and getExportJob', () => {
  it.each(EXPORT_TYPES)('creates a %s job and follows it to COMPLETED', async (exportType) => {
    // Act
    const created = await client.createExportJob(exportType, WITH_ACCESS, START, END);
    const enqueued = await client.getExportJob(created.id, WITH_ACCESS);
    finishJobs();
    const completed = await client.getExportJob(created.id, WITH_ACCESS);
    // Assess
    expect(created.status).toBe('ENQUEUED');
    expect(created.id).toBeGreaterThan(2 ** 31); // a long, not an int32
    expect(sim.jobs().find((job) => job.id === created.id)?.action).toBe(EXPORT_ACTIONS[exportType]);
    // Absent, not null: LinkedIn's official envelope.
    expect(enqueued).toEqual({ id: created.id, status: 'ENQUEUED' });
    expect(completed).toMatchObject({ id: created.id, status: 'COMPLETED', rowCount: 40 });
    expect(completed.downloadUrl).toMatch(/\/ambry\/\?x-li-ambry-ep=/);
    expect(completed.expireAt).toBeGreaterThan(sim.now());
    expect(completed.expireAt).toBeLessThanOrEqual(sim.now() + HOUR);
    expect(classifyJobStatus(completed.status, completed.rowCount)).toEqual({ kind: 'ready', rowCount: 40 });
  });

  it('accepts the explicit-null envelope on create and on a running job', async () => {
    sim.faults.nullFields = true;
    const created = await client.createExportJob('activity', WITH_ACCESS, START, END);
    const running = await client.getExportJob(created.id, WITH_ACCESS);
    expect(created).toEqual({ id: created.id, status: 'ENQUEUED' });
    expect(running).toEqual({ id: created.id, status: 'ENQUEUED', downloadUrl: null, expireAt: null, rowCount: null });
    expect(classifyJobStatus(running.status, running.rowCount)).toEqual({ kind: 'running' });
  });

  it('a re-GET after expiry returns a fresh download URL', async () => {
    const { id } = await client.createExportJob('seat', WITH_ACCESS, START, END);
    finishJobs();
    const first = await client.getExportJob(id, WITH_ACCESS);
    sim.advanceTime(2 * HOUR);
    const second = await client.getExportJob(id, WITH_ACCESS);
    expect(second.downloadUrl).not.toBe(first.downloadUrl);
    expect(second.expireAt).toBeGreaterThan(first.expireAt!);
  });

  it('an empty export reports rowCount 0, classified ready-but-empty', async () => {
    sim.faults.emptyJobs = { count: 1 };
    const { id } = await client.createExportJob('activity', WITH_ACCESS, START, END);
    finishJobs();
    const job = await client.getExportJob(id, WITH_ACCESS);
    expect(job.rowCount).toBe(0);
    expect(classifyJobStatus(job.status, job.rowCount)).toEqual({ kind: 'readyEmpty' });
  });

  it('an unknown terminal status parses and classifies as unknown', async () => {
    sim.faults.terminalStatus = { status: 'FAILED_DUE_TO_SOMETHING_NEW', count: 1 };
    const { id } = await client.createExportJob('activity', WITH_ACCESS, START, END);
    finishJobs();
    const job = await client.getExportJob(id, WITH_ACCESS);
    expect(job).toEqual({ id, status: 'FAILED_DUE_TO_SOMETHING_NEW' });
    expect(classifyJobStatus(job.status, job.rowCount)).toEqual({
      kind: 'unknown',
      status: 'FAILED_DUE_TO_SOMETHING_NEW',
    });
  });
});

describe('error classes', () => {
  it('401: a wrong token is LinkedInAuthError with LinkedIn body and tracing headers, never the token', async () => {
    const wrongToken = 'AQV-wrong-token-0123456789';
    const wrong = new LinkedInClient({ baseUrl: sim.baseUrl, token: wrongToken });
    const jobsBefore = sim.jobs().length;
    const error = await failureOf(wrong.createExportJob('activity', WITH_ACCESS, START, END));
    expect(error).toBeInstanceOf(LinkedInAuthError);
    expect(error.name).toBe('LinkedInAuthError');
    expect(error.httpStatus).toBe(401);
    expect(error.linkedIn).toEqual({ message: 'Invalid access token', serviceErrorCode: 65600, status: 401 });
    expect(error.liUuid).toEqual(expect.any(String));
    expect(error.liRequestId).toEqual(expect.any(String));
    expect(error.message).toContain('renew the authorization with npm run cli -- authorize');
    expect(error.message).not.toContain(wrongToken);
    expect(JSON.stringify(error)).not.toContain(wrongToken);
    expect(sim.jobs()).toHaveLength(jobsBefore);
  });

  it('403: a contract without reporting access is LinkedInForbidden naming the contract', async () => {
    const error = await failureOf(client.createExportJob('seat', WITHOUT_ACCESS, START, END));
    expect(error).toBeInstanceOf(LinkedInForbidden);
    expect((error as LinkedInForbidden).contract).toBe(WITHOUT_ACCESS);
    expect(error.message).toContain(`Contract ${WITHOUT_ACCESS} lacks reporting access`);
    expect(error.linkedIn?.status).toBe(403);
  });

  it.each([
    ['a window over 90 days', START - 91 * DAY, END],
    ['a start not before the end', END, START],
  ])('400: %s is LinkedInBadRequest with LinkedIn message', async (_, startAt, endAt) => {
    const error = await failureOf(client.createExportJob('activity', WITH_ACCESS, startAt, endAt));
    expect(error).toBeInstanceOf(LinkedInBadRequest);
    expect(error.httpStatus).toBe(400);
    expect(error.linkedIn?.message).toEqual(expect.any(String));
  });

  it('404: an unknown job id is LinkedInNotFound', async () => {
    const error = await failureOf(client.getExportJob(9_999_999_999, WITH_ACCESS));
    expect(error).toBeInstanceOf(LinkedInNotFound);
    expect(error.request).toBe(`GET salesAnalyticsExportJobs/9999999999?contract=${WITH_ACCESS}`);
  });

  it('404: a job asked for with another contract is LinkedInNotFound', async () => {
    const { id } = await client.createExportJob('activity', WITH_ACCESS, START, END);
    const error = await failureOf(client.getExportJob(id, 'urn:li:contract:900000'));
    expect(error).toBeInstanceOf(LinkedInNotFound);
  });

  it('404: a job past its 7-day retention is LinkedInNotFound', async () => {
    const { id } = await client.createExportJob('activity', WITH_ACCESS, START, END);
    sim.advanceTime(8 * DAY);
    expect(await failureOf(client.getExportJob(id, WITH_ACCESS))).toBeInstanceOf(LinkedInNotFound);
  });

  it('429: throttling is LinkedInThrottled (serviceErrorCode 101), and the client does not retry', async () => {
    sim.faults.throttle = { count: 1 };
    const error = await failureOf(client.listContracts());
    expect(error).toBeInstanceOf(LinkedInThrottled);
    expect(error.linkedIn).toEqual({
      message: 'Resource level throttle limit for calls to this resource is reached.',
      serviceErrorCode: 101,
      status: 429,
    });
    expect(sim.countCalls({ route: 'contracts' })).toBe(1);
    // The fault is spent: the next call goes through.
    expect(await client.listContracts()).toHaveLength(sim.contracts.length);
  });

  it.each([500, 502, 503, 504] as const)('%i is LinkedInUnavailable and creates no job', async (status) => {
    sim.faults.serverError = { count: 1, status, route: 'createJob' };
    const jobsBefore = sim.jobs().length;
    const error = await failureOf(client.createExportJob('activity', WITH_ACCESS, START, END));
    expect(error).toBeInstanceOf(LinkedInUnavailable);
    expect(error.httpStatus).toBe(status);
    expect((error as LinkedInUnavailable).reason).toBe('http');
    expect(error.liRequestId).toEqual(expect.any(String));
    expect(sim.jobs()).toHaveLength(jobsBefore);
  });

  it.each(['contracts', 'getJob'] as const)('malformed JSON once on %s is asked again after 1 s and succeeds', async (route) => {
    const { id } = await client.createExportJob('activity', WITH_ACCESS, START, END);
    sim.faults.malformedJson = { count: 1, route };
    await (route === 'contracts' ? client.listContracts() : client.getExportJob(id, WITH_ACCESS));
    expect(sim.countCalls({ route })).toBe(route === 'contracts' ? 4 : 2);
    expect(sleeps).toEqual([1_000]);
  });

  it.each(['contracts', 'getJob'] as const)('malformed JSON three times on %s is LinkedInProtocolError after 3 attempts', async (route) => {
    const { id } = await client.createExportJob('activity', WITH_ACCESS, START, END);
    sim.faults.malformedJson = { count: 3, route };
    const error = await failureOf(route === 'contracts' ? client.listContracts() : client.getExportJob(id, WITH_ACCESS));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toMatch(/^LinkedIn sent an unusable response after 3 attempts \(body is not JSON \(\d+ chars\)\) \(200\)/);
    expect((error as LinkedInProtocolError).attempts).toBe(3);
    expect(sim.countCalls({ route })).toBe(3);
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  it('malformed JSON on createJob is LinkedInProtocolError after exactly one POST (a repeat could create a second job)', async () => {
    sim.faults.malformedJson = { count: 1, route: 'createJob' };
    const jobsBefore = sim.jobs().length;
    const error = await failureOf(client.createExportJob('seat', WITH_ACCESS, START, END));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('after 1 attempt (body is not JSON');
    expect(error.message).toContain('A create is never sent twice');
    expect(sim.countCalls({ route: 'createJob' })).toBe(1);
    // The simulator created the job although its answer was unreadable: the reason not to repeat.
    expect(sim.jobs()).toHaveLength(jobsBefore + 1);
    expect(sleeps).toEqual([]);
  });

  it('a schema violation on createJob is LinkedInProtocolError naming value.id, after one POST', async () => {
    sim.faults.schemaViolation = { count: 1, route: 'createJob' };
    const error = await failureOf(client.createExportJob('seat', WITH_ACCESS, START, END));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('value.id: Invalid input');
    expect(sim.countCalls({ route: 'createJob' })).toBe(1);
  });

  it('a schema violation on getJob, on every attempt, is LinkedInProtocolError naming status, never quoting the URL', async () => {
    const { id } = await client.createExportJob('activity', WITH_ACCESS, START, END);
    finishJobs();
    sim.faults.schemaViolation = { count: 3, route: 'getJob' };
    const error = await failureOf(client.getExportJob(id, WITH_ACCESS));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('status: Invalid input');
    // The COMPLETED job's body carried a downloadUrl: it must not leak into the error.
    expect(JSON.stringify(error)).not.toContain('x-li-ambry-ep');
    expect(error.message).not.toContain('x-li-ambry-ep');
    expect(sim.countCalls({ route: 'getJob' })).toBe(3);
  });

  it('a schema violation on getJob once is asked again and returns the job', async () => {
    const { id } = await client.createExportJob('activity', WITH_ACCESS, START, END);
    finishJobs();
    sim.faults.schemaViolation = { count: 1, route: 'getJob' };
    expect(await client.getExportJob(id, WITH_ACCESS)).toMatchObject({ id, status: 'COMPLETED', rowCount: 40 });
  });

  it('a network error (nothing listening) is LinkedInUnavailable', async () => {
    const offline = new LinkedInClient({ baseUrl: await closedPortUrl(), token: sim.token });
    const error = await failureOf(offline.listContracts());
    expect(error).toBeInstanceOf(LinkedInUnavailable);
    expect((error as LinkedInUnavailable).reason).toBe('network');
    expect(error.message).toContain('Could not reach LinkedIn (ECONNREFUSED)');
  });

  it('a server that never answers is LinkedInUnavailable after the timeout', async () => {
    const silent = await startSilentServer();
    try {
      const slow = new LinkedInClient({ baseUrl: silent.baseUrl, token: sim.token, timeoutMs: 200 });
      const error = await failureOf(slow.getExportJob(1, WITH_ACCESS));
      expect(error).toBeInstanceOf(LinkedInUnavailable);
      expect((error as LinkedInUnavailable).reason).toBe('timeout');
      expect(error.message).toContain('did not answer within 200 ms');
    } finally {
      await silent.close();
    }
  });
});

describe('listContracts at partner scale (generated contracts)', () => {
  /** A simulator of its own, closed after `use`. */
  const withSimulator = async <T>(
    options: SimulatorOptions,
    use: (scaled: Simulator, scaledClient: LinkedInClient) => Promise<T>,
  ): Promise<T> => {
    const scaled = await startSimulator(options);
    try {
      return await use(scaled, new LinkedInClient({ baseUrl: scaled.baseUrl, token: scaled.token, timeoutMs: 10_000 }));
    } finally {
      await scaled.close();
    }
  };

  it('lists 10,000 contracts: every one found, every URN once, in 1,001 pages', async () => {
    await withSimulator({ contractCount: 10_000 }, async (scaled, scaledClient) => {
      const contracts = await scaledClient.listContracts();
      expect(contracts).toHaveLength(10_000);
      expect(new Set(contracts.map((c) => c.contract)).size).toBe(10_000);
      expect(contracts.map((c) => c.contract)).toEqual(Array.from({ length: 10_000 }, (_, k) => generatedContractUrn(k)));
      // 1,000 full pages of 10, then an empty one: without paging.total, only a short page ends the walk.
      expect(scaled.countCalls({ route: 'contracts', status: 200 })).toBe(1_001);
    });
  });

  it('lists 1,001 contracts (one past what 100 pages of 10 held)', async () => {
    await withSimulator({ contractCount: 1_001 }, async (scaled, scaledClient) => {
      const contracts = await scaledClient.listContracts();
      expect(contracts).toHaveLength(1_001);
      expect(new Set(contracts.map((c) => c.contract)).size).toBe(1_001);
      expect(scaled.countCalls({ route: 'contracts' })).toBe(101);
    });
  });

  it('stops at paging.total: no extra empty page when the count is a multiple of the page size', async () => {
    await withSimulator({ contractCount: 30, pagingTotal: true }, async (scaled, scaledClient) => {
      const progress: unknown[] = [];
      expect(await scaledClient.listContracts({ onPage: (p) => progress.push(p) })).toHaveLength(30);
      expect(scaled.countCalls({ route: 'contracts' })).toBe(3);
      expect(progress.at(-1)).toEqual({ pages: 3, contracts: 30, total: 30 });
    });
    await withSimulator({ contractCount: 30 }, async (scaled, scaledClient) => {
      expect(await scaledClient.listContracts()).toHaveLength(30);
      expect(scaled.countCalls({ route: 'contracts' })).toBe(4);
    });
  });

  it("follows a server that caps the page size below the client's count", async () => {
    await withSimulator({ contractCount: 23, maxPageSize: 4 }, async (scaled, scaledClient) => {
      expect(await scaledClient.listContracts()).toHaveLength(23);
      expect(scaled.countCalls({ route: 'contracts' })).toBe(6);
    });
  });

  it('a slow finder over its time budget is a protocol error naming the pages and contracts read', async () => {
    await withSimulator({ contractCount: 10_000, faults: { latency: { ms: 25, route: 'contracts' } } }, async (scaled) => {
      const budgeted = new LinkedInClient({ baseUrl: scaled.baseUrl, token: scaled.token, contractsBudgetMs: 400 });
      const started = Date.now();
      const error = await failureOf(budgeted.listContracts());
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error).toBeInstanceOf(LinkedInProtocolError);
      expect(error.message).toMatch(
        /the contracts finder was still paging when the 400 ms budget ran out: \d+ pages? read, \d+ contracts? found/,
      );
      const pages = Number(/(\d+) pages? read/.exec(error.message)![1]);
      expect(pages).toBeGreaterThan(0);
      expect(pages).toBeLessThan(1_000);
    });
  });

  it('contracts that answer 403 (forbiddenContractCount, forbiddenContracts) are LinkedInForbidden naming the contract; a lifted fault lets them through', async () => {
    await withSimulator({ contractCount: 19, forbiddenContractCount: 1 }, async (scaled, scaledClient) => {
      const listed = await scaledClient.listContracts();
      expect(listed.filter((c) => c.hasReportingAccess)).toHaveLength(20);
      const [generated] = scaled.forbiddenContracts;
      const error = await failureOf(scaledClient.createExportJob('activity', generated!, START, END));
      expect(error).toBeInstanceOf(LinkedInForbidden);
      expect(error.message).toContain(generated);
      expect(error.linkedIn).toMatchObject({ serviceErrorCode: 100, status: 403 });

      const target = generatedContractUrn(0);
      scaled.faults.forbiddenContracts = [target];
      expect(await failureOf(scaledClient.createExportJob('seat', target, START, END))).toBeInstanceOf(LinkedInForbidden);
      delete scaled.faults.forbiddenContracts;
      expect((await scaledClient.createExportJob('seat', target, START, END)).status).toBe('ENQUEUED');
    });
  });

  it('an expired token (unauthorized fault) is LinkedInAuthError with LinkedIn’s 401 body on every call', async () => {
    await withSimulator({ contractCount: 3, faults: { unauthorized: true } }, async (scaled, scaledClient) => {
      for (const call of [
        () => scaledClient.listContracts(),
        () => scaledClient.createExportJob('activity', generatedContractUrn(0), START, END),
      ]) {
        const error = await failureOf(call());
        expect(error).toBeInstanceOf(LinkedInAuthError);
        expect(error.linkedIn).toEqual({ message: 'The token used in the request has expired', serviceErrorCode: 65602, status: 401 });
      }
      delete scaled.faults.unauthorized;
      expect(await scaledClient.listContracts()).toHaveLength(3);
    });
  });
});
