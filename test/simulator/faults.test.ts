import { startSimulator, type Simulator } from '../../local/simulator';
import { api, completedJob, CONTRACT, create, createId, DAY, getJob, jobBody, readAll, WINDOW } from './helpers';

const contracts = (sim: Simulator) => api(sim, '/salesContracts?q=contractsByMember');

describe('LinkedIn simulator faults', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.close());

  describe('API faults', () => {
    it('throttle: 429 with LinkedIn’s body for the next N calls, then normal', async () => {
      sim.faults.throttle = { count: 2 };
      for (let k = 0; k < 2; k++) {
        const res = await contracts(sim);
        expect(res.status).toBe(429);
        expect(await res.json()).toEqual({
          serviceErrorCode: 101,
          message: 'Resource level throttle limit for calls to this resource is reached.',
          status: 429,
        });
      }
      expect((await contracts(sim)).status).toBe(200);
      expect(sim.faults.throttle).toBeUndefined();
    });

    it('throttle narrowed to a route leaves other routes alone', async () => {
      sim.faults.throttle = { count: 1, route: 'getJob' };
      const id = await createId(sim);
      expect((await getJob(sim, id)).status).toBe(429);
      expect((await getJob(sim, id)).status).toBe(200);
    });

    it.each([500, 503, 504] as const)('serverError %i: a burst with no side effect', async (status) => {
      sim.faults.serverError = { status, count: 2 };
      for (let k = 0; k < 2; k++) {
        const res = await create(sim);
        expect(res.status).toBe(status);
        expect(await res.json()).toMatchObject({ status, message: expect.any(String) });
      }
      expect(sim.jobs()).toHaveLength(0);
      expect((await create(sim)).status).toBe(200);
    });

    it('malformedJson: the call takes effect but its body does not parse', async () => {
      sim.faults.malformedJson = { count: 1 };
      const res = await create(sim);
      expect(res.status).toBe(200);
      await expect(res.json()).rejects.toThrow();
      expect(sim.jobs()).toHaveLength(1);
      expect((await contracts(sim)).status).toBe(200);
    });

    it('malformedJson narrowed to getJob cuts the job body only, for the next N GETs', async () => {
      const id = await createId(sim);
      sim.faults.malformedJson = { count: 2, route: 'getJob' };
      expect((await create(sim)).status).toBe(200);
      for (let k = 0; k < 2; k++) {
        const res = await getJob(sim, id);
        expect(res.status).toBe(200);
        await expect(res.json()).rejects.toThrow();
      }
      expect(await jobBody(sim, id)).toMatchObject({ id, status: expect.any(String) });
    });

    it('schemaViolation: a required field is missing', async () => {
      const id = await createId(sim);
      sim.faults.schemaViolation = { count: 1 };
      expect(await jobBody(sim, id)).toEqual({ id });
      sim.faults.schemaViolation = { count: 1 };
      expect(await (await create(sim)).json()).toEqual({ value: { status: 'ENQUEUED' } });
    });

    it('nullFields: explicit nulls instead of absent fields until COMPLETED', async () => {
      sim.faults.nullFields = true;
      const res = await create(sim);
      const { value } = (await res.json()) as { value: { id: number } };
      expect(value).toEqual({ id: expect.any(Number), status: 'ENQUEUED', downloadUrl: null, expireAt: null, rowCount: null });
      expect(await jobBody(sim, value.id)).toEqual({ id: value.id, status: 'ENQUEUED', downloadUrl: null, expireAt: null, rowCount: null });
      sim.advanceTime(60_000);
      expect(await jobBody(sim, value.id)).toMatchObject({ status: 'COMPLETED', downloadUrl: expect.any(String), rowCount: 120 });
    });
  });

  describe('job faults', () => {
    it.each(['FAILED_DUE_TO_SOMETHING_NEW', 'FAILED_DUE_TO_TIMED_OUT', 'FAILED_DUE_TO_INTERNAL_ERROR', 'FAILED_DUE_TO_DATA_DELAY'])(
      'terminalStatus %s: once, then normal; no download fields',
      async (status) => {
        sim.faults.terminalStatus = { status, count: 1 };
        const failed = await completedJob(sim);
        expect(failed).toEqual({ id: failed.id, status });
        expect((await completedJob(sim)).status).toBe('COMPLETED');
      },
    );

    it('exceededFileSizeOverDays: longer windows fail with EXCEEDED_FILE_SIZE, shorter ones complete', async () => {
      sim.faults.exceededFileSizeOverDays = 2;
      expect((await completedJob(sim)).status).toBe('FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR');
      const short = await completedJob(sim, { contract: CONTRACT, startAt: WINDOW.startAt, endAt: WINDOW.startAt + 2 * DAY });
      expect(short.status).toBe('COMPLETED');
    });

    it('dataDelayForRecentWindows: a window ending inside the last 24 h fails with DATA_DELAY', async () => {
      sim.faults.dataDelayForRecentWindows = true;
      const today = Math.floor(sim.now() / DAY) * DAY;
      const recent = await completedJob(sim, { contract: CONTRACT, startAt: today - DAY, endAt: today + DAY });
      expect(recent.status).toBe('FAILED_DUE_TO_DATA_DELAY');
      expect((await completedJob(sim)).status).toBe('COMPLETED');
    });

    it('slowJobs: the next job stays PROCESSING longer', async () => {
      sim.faults.slowJobs = { count: 1, extraMs: 600_000 };
      const slow = await createId(sim);
      sim.advanceTime(60_000);
      expect((await jobBody(sim, slow)).status).toBe('PROCESSING');
      sim.advanceTime(600_000);
      expect((await jobBody(sim, slow)).status).toBe('COMPLETED');
    });

    it('emptyJobs: the next job completes with rowCount 0 and a header-only file', async () => {
      sim.faults.emptyJobs = { count: 1 };
      const job = await completedJob(sim);
      expect(job.rowCount).toBe(0);
      expect((await (await fetch(job.downloadUrl!)).text()).split('\n')).toEqual([expect.stringMatching(/^activityId,/), '']);
    });

    it('rowCountDelta: the reported rowCount disagrees with the file', async () => {
      sim.faults.rowCountDelta = { count: 1, delta: 5 };
      const job = await completedJob(sim);
      expect(job.rowCount).toBe(125);
      const file = await (await fetch(job.downloadUrl!)).text();
      const normal = await completedJob(sim);
      expect(normal.rowCount).toBe(120);
      expect(await (await fetch(normal.downloadUrl!)).text()).toBe(file);
    });
  });

  describe('download faults', () => {
    it('expiredUrl: the URL handed out is already expired (403); the next GET mints a working one', async () => {
      const id = await createId(sim);
      sim.advanceTime(60_000);
      sim.faults.expiredUrl = { count: 1 };
      const stale = await jobBody(sim, id);
      expect(stale.expireAt!).toBeLessThan(sim.now());
      expect((await fetch(stale.downloadUrl!)).status).toBe(403);
      const fresh = await jobBody(sim, id);
      expect(fresh.downloadUrl).not.toBe(stale.downloadUrl);
      expect((await fetch(fresh.downloadUrl!)).status).toBe(200);
    });

    it('downloadHost: the URL points at another host, which still serves the file', async () => {
      sim.faults.downloadHost = 'localhost';
      const job = await completedJob(sim);
      expect(job.downloadUrl).toMatch(new RegExp(`^http://localhost:${sim.port}/ambry/`));
      sim.faults.downloadHost = 'files.example.invalid:443';
      expect((await completedJob(sim)).downloadUrl).toMatch(/^http:\/\/files\.example\.invalid:443\/ambry\//);
    });

    it('redirect: 302 to the same file on another host', async () => {
      const job = await completedJob(sim);
      sim.faults.redirect = { count: 1 };
      const res = await fetch(job.downloadUrl!, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = res.headers.get('location')!;
      expect(location).toMatch(new RegExp(`^http://localhost:${sim.port}/ambry/`));
      const followed = await fetch(job.downloadUrl!);
      expect(followed.status).toBe(200);
      const redirected = await fetch(location);
      expect(await redirected.text()).toBe(await followed.text());
    });

    it('cutAfterBytes: the connection drops after N bytes', async () => {
      const job = await completedJob(sim);
      sim.faults.cutAfterBytes = { count: 1, bytes: 1000 };
      const res = await fetch(job.downloadUrl!);
      const declared = Number(res.headers.get('content-length'));
      const { bytes, error } = await readAll(res);
      expect(error).toMatchObject({ name: 'TypeError', message: 'terminated' });
      expect(bytes.length).toBe(1000);
      expect(declared).toBeGreaterThan(1000);
      expect((await readAll(await fetch(job.downloadUrl!))).bytes.length).toBe(declared);
    });

    it('expireMidDownload: cut after N bytes, the URL then answers 403, and a fresh GET of the job works', async () => {
      const job = await completedJob(sim);
      sim.faults.expireMidDownload = { count: 1, bytes: 2000 };
      const { bytes, error } = await readAll(await fetch(job.downloadUrl!));
      expect(error).toMatchObject({ name: 'TypeError', message: 'terminated' });
      expect(bytes.length).toBe(2000);
      expect((await fetch(job.downloadUrl!)).status).toBe(403);
      const fresh = await jobBody(sim, job.id);
      expect(fresh.downloadUrl).not.toBe(job.downloadUrl);
      expect((await fetch(fresh.downloadUrl!)).status).toBe(200);
    });

    it('contentLengthDelta: a Content-Length too big leaves the body short', async () => {
      const job = await completedJob(sim);
      const real = (await readAll(await fetch(job.downloadUrl!))).bytes;
      sim.faults.contentLengthDelta = { count: 1, delta: 100 };
      const res = await fetch(job.downloadUrl!);
      expect(Number(res.headers.get('content-length'))).toBe(real.length + 100);
      const { bytes, error } = await readAll(res);
      expect(error).toMatchObject({ name: 'TypeError', message: 'terminated' });
      expect(bytes.equals(real)).toBe(true);
    });

    it('contentLengthDelta: a Content-Length too small cuts the file for the client', async () => {
      const job = await completedJob(sim);
      const real = (await readAll(await fetch(job.downloadUrl!))).bytes;
      sim.faults.contentLengthDelta = { count: 1, delta: -100 };
      const res = await fetch(job.downloadUrl!);
      expect(Number(res.headers.get('content-length'))).toBe(real.length - 100);
      const { bytes } = await readAll(res);
      expect(bytes.equals(real.subarray(0, real.length - 100))).toBe(true);
    });

    it('trickle: the whole file still arrives, slowly', async () => {
      const job = await completedJob(sim, { contract: CONTRACT, startAt: WINDOW.startAt, endAt: WINDOW.startAt + DAY });
      const real = (await readAll(await fetch(job.downloadUrl!))).bytes;
      sim.faults.trickle = { count: 1, bytesPerSecond: 20_000 };
      const { bytes, error } = await readAll(await fetch(job.downloadUrl!));
      expect(error).toBeUndefined();
      expect(bytes.equals(real)).toBe(true);
    });
  });

  it('faults can be given at start and cleared', async () => {
    const faulty = await startSimulator({ faults: { throttle: { count: 5 } } });
    try {
      expect((await contracts(faulty)).status).toBe(429);
      faulty.clearFaults();
      expect((await contracts(faulty)).status).toBe(200);
    } finally {
      await faulty.close();
    }
  });
});
