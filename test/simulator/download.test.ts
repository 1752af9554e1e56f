import { parse } from 'csv-parse/sync';
import { CSV_HEADERS, startSimulator, type Simulator } from '../../local/simulator';
import { completedJob, CONTRACT, DAY, readAll, WINDOW } from './helpers';

describe('LinkedIn simulator downloads', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.close());

  it.each([
    ['exportActivityData', 'activity'],
    ['exportActivityOutcomeData', 'activityOutcome'],
    ['exportSeatData', 'seat'],
  ] as const)('%s: text/csv, exact Content-Length, documented header and exactly rowCount rows', async (action, exportType) => {
    const job = await completedJob(sim, { contract: CONTRACT, startAt: WINDOW.startAt, endAt: WINDOW.startAt + 30 * DAY }, action);
    const res = await fetch(job.downloadUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const { bytes } = await readAll(res);
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    const [header, ...rows] = parse(bytes) as string[][];
    expect(header).toEqual(CSV_HEADERS[exportType]);
    expect(rows).toHaveLength(job.rowCount!);
    expect(job.rowCount).toBe(1200);
    expect(rows.some((row) => row.some((value) => value.includes('\n')))).toBe(true);
  });

  it('serves the same bytes for the same (contract, type, window, seed), whatever the job', async () => {
    const first = await completedJob(sim);
    const second = await completedJob(sim);
    expect(second.id).not.toBe(first.id);
    const [a, b] = await Promise.all([first, second].map(async (job) => (await readAll(await fetch(job.downloadUrl!))).bytes));
    expect(a!.equals(b!)).toBe(true);
    const other = await startSimulator({ seed: 2 });
    try {
      const job = await completedJob(other);
      expect((await readAll(await fetch(job.downloadUrl!))).bytes.equals(a!)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('answers HEAD with the headers only', async () => {
    const job = await completedJob(sim);
    const res = await fetch(job.downloadUrl!, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown URL token', async () => {
    const res = await fetch(`${sim.origin}/ambry/?x-li-ambry-ep=nothing-here`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });

  it('needs the Bearer token on the download only when downloadAuth is required', async () => {
    const strict = await startSimulator({ downloadAuth: 'required' });
    try {
      const job = await completedJob(strict);
      const anonymous = await fetch(job.downloadUrl!);
      expect(anonymous.status).toBe(401);
      await anonymous.arrayBuffer();
      const authorised = await fetch(job.downloadUrl!, { headers: { Authorization: `Bearer ${strict.token}` } });
      expect(authorised.status).toBe(200);
      await authorised.arrayBuffer();
    } finally {
      await strict.close();
    }
  });

  it('serves a header-only file when the export has no rows', async () => {
    const empty = await startSimulator({ rowsPerDay: 0 });
    try {
      const job = await completedJob(empty);
      expect(job.rowCount).toBe(0);
      const res = await fetch(job.downloadUrl!);
      expect(await res.text()).toBe(`${CSV_HEADERS.activity.join(',')}\n`);
    } finally {
      await empty.close();
    }
  });

  it('streams a 50 MB file whose byte count matches Content-Length', async () => {
    const big = await startSimulator({ rows: 600_000 });
    try {
      const job = await completedJob(big);
      const res = await fetch(job.downloadUrl!);
      const declared = Number(res.headers.get('content-length'));
      expect(declared).toBeGreaterThan(50_000_000);
      let received = 0;
      let newlines = 0;
      for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
        received += part.length;
        for (const byte of part) if (byte === 10) newlines++;
      }
      expect(received).toBe(declared);
      // Quoted newlines make the raw line count exceed header + rows.
      expect(newlines).toBeGreaterThan(job.rowCount! + 1);
      expect(job.rowCount).toBe(600_000);
    } finally {
      await big.close();
    }
  });
});
