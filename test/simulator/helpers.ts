/** Shared helpers of the simulator tests: LinkedIn-shaped requests with global fetch. */
import type { Simulator } from '../../local/simulator';

export const CONTRACT = 'urn:li:contract:123456';
export const NO_REPORTING = 'urn:li:contract:1234560';
export const DAY = 86_400_000;
/** A fixed, long-past window: 2026-01-01 .. 2026-01-04 (3 days). */
export const WINDOW = { startAt: Date.UTC(2026, 0, 1), endAt: Date.UTC(2026, 0, 4) };

export const headers = (sim: Simulator, extra: Record<string, string> = {}): Record<string, string> => ({
  Authorization: `Bearer ${sim.token}`,
  'X-Restli-Protocol-Version': '2.0.0',
  ...extra,
});

export const api = (sim: Simulator, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${sim.baseUrl}${path}`, { ...init, headers: { ...headers(sim), ...(init.headers as Record<string, string>) } });

export const create = (
  sim: Simulator,
  body: Record<string, unknown> = { contract: CONTRACT, ...WINDOW },
  action = 'exportActivityData',
): Promise<Response> =>
  api(sim, `/salesAnalyticsExportJobs?action=${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Creates a job and returns its id. */
export const createId = async (sim: Simulator, body?: Record<string, unknown>, action?: string): Promise<number> => {
  const res = await create(sim, body, action);
  if (res.status !== 200) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { value: { id: number } }).value.id;
};

export const getJob = (sim: Simulator, id: number, contract = CONTRACT): Promise<Response> =>
  api(sim, `/salesAnalyticsExportJobs/${id}?contract=${encodeURIComponent(contract)}`);

export interface JobBody {
  id: number;
  status: string;
  downloadUrl?: string | null;
  expireAt?: number | null;
  rowCount?: number | null;
}

export const jobBody = async (sim: Simulator, id: number, contract = CONTRACT): Promise<JobBody> => {
  const res = await getJob(sim, id, contract);
  if (res.status !== 200) throw new Error(`get answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as JobBody;
};

/** Creates a job, moves the clock past its lifecycle, returns the completed job. */
export const completedJob = async (sim: Simulator, body?: Record<string, unknown>, action?: string): Promise<JobBody> => {
  const id = await createId(sim, body, action);
  sim.advanceTime(60_000);
  return jobBody(sim, id);
};

/** Reads a whole body, counting bytes, or returns the error a cut connection raises. */
export const readAll = async (res: Response): Promise<{ bytes: Buffer; error?: unknown }> => {
  const parts: Buffer[] = [];
  try {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) parts.push(Buffer.from(part));
    return { bytes: Buffer.concat(parts) };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
};
