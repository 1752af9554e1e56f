import { manyContracts, startSimulator, type Simulator } from '../../local/simulator';
import { api, CONTRACT, create, createId, DAY, getJob, jobBody, NO_REPORTING, WINDOW } from './helpers';

describe('LinkedIn simulator API', () => {
  let sim: Simulator;
  // A fresh simulator per test: jobs of one test must not queue behind another's.
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.close());

  describe('contracts', () => {
    it('lists LinkedIn’s sample contracts with elements and paging', async () => {
      const res = await api(sim, '/salesContracts?q=contractsByMember');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-restli-protocol-version')).toBe('2.0.0');
      expect(res.headers.get('x-li-uuid')).toBeTruthy();
      expect(res.headers.get('x-li-request-id')).toBeTruthy();
      const body = (await res.json()) as { elements: { contract: string; name: string; hasReportingAccess: boolean }[]; paging: unknown };
      expect(body.paging).toEqual({ count: 10, start: 0, links: [] });
      expect(body.elements).toEqual([
        expect.objectContaining({ contract: CONTRACT, name: 'North America Sales Team', hasReportingAccess: true }),
        expect.objectContaining({ contract: NO_REPORTING, hasReportingAccess: false }),
      ]);
    });

    it('honours start and count, ending with a short page', async () => {
      const paged = await startSimulator({ contracts: manyContracts(23) });
      try {
        const seen: string[] = [];
        for (let start = 0; ; start += 10) {
          const res = await api(paged, `/salesContracts?q=contractsByMember&start=${start}&count=10`);
          const body = (await res.json()) as { elements: { contract: string }[]; paging: { start: number; count: number } };
          expect(body.paging).toMatchObject({ start, count: 10 });
          seen.push(...body.elements.map((element) => element.contract));
          if (body.elements.length < 10) break;
        }
        expect(seen).toEqual(paged.contracts.map((contract) => contract.contract));
      } finally {
        await paged.close();
      }
    });

    it.each([
      ['missing finder', '/salesContracts'],
      ['unknown finder', '/salesContracts?q=everything'],
      ['bad count', '/salesContracts?q=contractsByMember&count=-1'],
    ])('rejects a %s with 400', async (_, path) => {
      const res = await api(sim, path);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ message: expect.any(String), serviceErrorCode: 100, status: 400 });
    });
  });

  describe('auth and protocol', () => {
    it('answers 401 with LinkedIn’s body when the token is missing or wrong, and makes no job', async () => {
      const before = sim.jobs().length;
      const missing = await fetch(`${sim.baseUrl}/salesAnalyticsExportJobs?action=exportActivityData`, {
        method: 'POST',
        headers: { 'X-Restli-Protocol-Version': '2.0.0' },
        body: JSON.stringify({ contract: CONTRACT, ...WINDOW }),
      });
      expect(missing.status).toBe(401);
      expect(await missing.json()).toEqual({ message: 'Empty oauth2_access_token', serviceErrorCode: 401, status: 401 });
      const wrong = await api(sim, '/salesContracts?q=contractsByMember', { headers: { Authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({ message: 'Invalid access token', serviceErrorCode: 65600, status: 401 });
      expect(sim.jobs()).toHaveLength(before);
    });

    it('requires X-Restli-Protocol-Version: 2.0.0', async () => {
      const res = await fetch(`${sim.baseUrl}/salesContracts?q=contractsByMember`, { headers: { Authorization: `Bearer ${sim.token}` } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/X-Restli-Protocol-Version/);
      const old = await api(sim, '/salesContracts?q=contractsByMember', { headers: { 'X-Restli-Protocol-Version': '1.0.0' } });
      expect(old.status).toBe(400);
    });

    it('answers 404 for unknown resources and 405 for a wrong method', async () => {
      expect((await api(sim, '/somethingElse')).status).toBe(404);
      expect((await api(sim, '/salesContracts?q=contractsByMember', { method: 'DELETE' })).status).toBe(405);
    });
  });

  describe('create validation', () => {
    const day = (n: number) => n * DAY;
    // Every row names its action: jest takes an extra, missing argument for a `done` callback.
    const A = 'exportActivityData';
    it.each<[string, Record<string, unknown>, string]>([
      ['an unknown action', { contract: CONTRACT, ...WINDOW }, 'exportEverything'],
      ['a missing startAt', { contract: CONTRACT, endAt: WINDOW.endAt }, A],
      ['a missing endAt', { contract: CONTRACT, startAt: WINDOW.startAt }, A],
      ['a missing contract', { ...WINDOW }, A],
      ['a non-integer startAt', { contract: CONTRACT, startAt: WINDOW.startAt + 0.5, endAt: WINDOW.endAt }, A],
      ['a string endAt', { contract: CONTRACT, startAt: WINDOW.startAt, endAt: String(WINDOW.endAt) }, A],
      ['startAt equal to endAt', { contract: CONTRACT, startAt: WINDOW.startAt, endAt: WINDOW.startAt }, A],
      ['startAt after endAt', { contract: CONTRACT, startAt: WINDOW.endAt, endAt: WINDOW.startAt }, A],
      ['a window over 90 days', { contract: CONTRACT, startAt: WINDOW.startAt, endAt: WINDOW.startAt + day(90) + 1 }, A],
    ])('answers 400 for %s', async (_, body, action) => {
      const res = await create(sim, body, action);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ message: expect.any(String), serviceErrorCode: 100, status: 400 });
    });

    it('accepts exactly 90 days, and each of the three actions', async () => {
      for (const action of ['exportActivityData', 'exportActivityOutcomeData', 'exportSeatData']) {
        const res = await create(sim, { contract: CONTRACT, startAt: WINDOW.startAt, endAt: WINDOW.startAt + day(90) }, action);
        expect(res.status).toBe(200);
      }
    });

    it('answers 400 for a body that is not JSON', async () => {
      const res = await api(sim, '/salesAnalyticsExportJobs?action=exportSeatData', { method: 'POST', body: '{not json' });
      expect(res.status).toBe(400);
    });

    it('answers 403 for a contract without reporting access and for an unknown contract', async () => {
      for (const contract of [NO_REPORTING, 'urn:li:contract:777']) {
        const res = await create(sim, { contract, ...WINDOW });
        expect(res.status).toBe(403);
        const body = (await res.json()) as { message: string; status: number };
        expect(body).toMatchObject({ status: 403, serviceErrorCode: 100 });
        expect(body.message).toContain(contract);
      }
    });
  });

  describe('job lifecycle', () => {
    it('returns {value:{id,status:ENQUEUED}} with a long id, then ENQUEUED → PROCESSING → COMPLETED', async () => {
      const res = await create(sim);
      expect(res.status).toBe(200);
      const { value } = (await res.json()) as { value: { id: number; status: string } };
      expect(value).toEqual({ id: expect.any(Number), status: 'ENQUEUED' });
      expect(value.id).toBeGreaterThan(2 ** 31);

      const enqueued = await jobBody(sim, value.id);
      expect(enqueued).toEqual({ id: value.id, status: 'ENQUEUED' }); // absent, not null
      sim.advanceTime(600);
      expect(await jobBody(sim, value.id)).toEqual({ id: value.id, status: 'PROCESSING' });
      sim.advanceTime(1000);
      const done = await jobBody(sim, value.id);
      expect(done).toEqual({
        id: value.id,
        status: 'COMPLETED',
        downloadUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/ambry\/\?x-li-ambry-ep=[\w%-]+$/),
        expireAt: expect.any(Number),
        rowCount: 120, // 3 days × 40 rows
      });
      expect(done.expireAt! - sim.now()).toBeGreaterThan(3_590_000);
    });

    it('completes within about two seconds of real time by default', async () => {
      const id = await createId(sim);
      await new Promise((resolve) => setTimeout(resolve, 1700));
      expect((await jobBody(sim, id)).status).toBe('COMPLETED');
    });

    it('answers 404 for an unknown id and for another contract’s id, 400 for a non-numeric id or missing contract', async () => {
      const id = await createId(sim);
      expect((await getJob(sim, 5_999_999_999)).status).toBe(404);
      expect((await getJob(sim, id, NO_REPORTING)).status).toBe(404);
      expect((await api(sim, '/salesAnalyticsExportJobs/abc?contract=x')).status).toBe(400);
      expect((await api(sim, `/salesAnalyticsExportJobs/${id}`)).status).toBe(400);
    });

    it('runs one job at a time per (contract, action) and queues the rest', async () => {
      const queued = await startSimulator({ enqueuedMs: 100, processingMs: 1000 });
      try {
        const first = await createId(queued);
        const second = await createId(queued, { contract: CONTRACT, startAt: WINDOW.startAt, endAt: WINDOW.startAt + DAY });
        const otherAction = await createId(queued, undefined, 'exportSeatData');
        queued.advanceTime(500);
        const statuses = async () => Promise.all([first, second, otherAction].map(async (id) => (await jobBody(queued, id)).status));
        // Different actions run in parallel; the same action waits.
        expect(await statuses()).toEqual(['PROCESSING', 'ENQUEUED', 'PROCESSING']);
        queued.advanceTime(1000); // first done; second's clock starts now
        expect(await statuses()).toEqual(['COMPLETED', 'PROCESSING', 'COMPLETED']);
        queued.advanceTime(1100);
        expect(await statuses()).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
      } finally {
        await queued.close();
      }
    });

    it('keeps the same URL until it expires, then a GET mints a fresh URL and expireAt', async () => {
      const id = await createId(sim);
      sim.advanceTime(5_000);
      const first = await jobBody(sim, id);
      sim.advanceTime(10 * 60_000);
      expect((await jobBody(sim, id)).downloadUrl).toBe(first.downloadUrl);
      expect((await fetch(first.downloadUrl!)).status).toBe(200);
      sim.advanceTime(3_600_000);
      const expired = await fetch(first.downloadUrl!);
      expect(expired.status).toBe(403);
      await expired.arrayBuffer();
      const fresh = await jobBody(sim, id);
      expect(fresh.downloadUrl).not.toBe(first.downloadUrl);
      expect(fresh.expireAt).toBeGreaterThan(first.expireAt!);
      expect((await fetch(fresh.downloadUrl!)).status).toBe(200);
    });

    it('forgets a job (404) and its file after the 7-day retention', async () => {
      const id = await createId(sim);
      sim.advanceTime(5_000);
      const { downloadUrl } = await jobBody(sim, id);
      sim.advanceTime(7 * DAY - 60_000);
      expect((await getJob(sim, id)).status).toBe(200);
      sim.advanceTime(60_000);
      expect((await getJob(sim, id)).status).toBe(404);
      expect((await fetch(downloadUrl!)).status).toBe(404);
    });

    it('records every call with method, route and status', async () => {
      sim.resetCalls();
      const id = await createId(sim);
      await getJob(sim, id);
      await getJob(sim, id);
      expect(sim.calls.map(({ method, route, status }) => ({ method, route, status }))).toEqual([
        { method: 'POST', route: 'createJob', status: 200 },
        { method: 'GET', route: 'getJob', status: 200 },
        { method: 'GET', route: 'getJob', status: 200 },
      ]);
      expect(sim.countCalls({ route: 'getJob', method: 'GET' })).toBe(2);
    });
  });
});
