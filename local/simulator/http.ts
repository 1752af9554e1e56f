/**
 * Response helpers: LinkedIn's headers and error body on every answer, and a record of every
 * request so tests and benchmarks can count calls.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from './faults';

/** One request as the simulator answered it. */
export interface CallRecord {
  method: string;
  route: Route;
  status: number;
  /** Path and query, e.g. `/v2/salesAnalyticsExportJobs/6000000001?contract=…`. */
  path: string;
  /** Simulated clock at the time of the answer (epoch ms). */
  at: number;
}

/** LinkedIn's error body (docs/linkedin-api.md §8). */
export interface LinkedInErrorBody {
  message: string;
  serviceErrorCode: number;
  status: number;
}

/**
 * serviceErrorCode per situation. 101 (throttle) and 401 (empty token) are from LinkedIn's
 * docs; 65600 (invalid token), 65601 (revoked token), 65602 (expired token) and 100
 * (permissions / bad request) are what LinkedIn's gateway is commonly seen to send.
 * ASSUMPTION: the others are unknown and use 0.
 */
export const SERVICE_ERROR_CODES = {
  badRequest: 100,
  emptyToken: 401,
  invalidToken: 65600,
  revokedToken: 65601,
  expiredToken: 65602,
  forbidden: 100,
  throttled: 101,
  other: 0,
} as const;

export const errorBody = (status: number, message: string, serviceErrorCode: number): LinkedInErrorBody => ({
  message,
  serviceErrorCode,
  status,
});

/** One request in flight: where it goes, and the shared call log it is recorded in. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: Route;
  api: boolean;
  calls: CallRecord[];
  now: () => number;
}

/** Writes the status line and headers (plus LinkedIn's tracing headers) and records the call. */
export const writeHead = (ex: Exchange, status: number, headers: Record<string, string | number>): void => {
  ex.calls.push({ method: ex.req.method ?? 'GET', route: ex.route, status, path: ex.url.pathname + ex.url.search, at: ex.now() });
  ex.res.writeHead(status, {
    'x-li-uuid': randomBytes(16).toString('base64'),
    'x-li-request-id': randomUUID(),
    'x-li-fabric': 'simulator',
    ...(ex.api ? { 'X-RestLi-Protocol-Version': '2.0.0' } : {}),
    ...(ex.api && status >= 400 ? { 'X-RestLi-Error-Response': 'true' } : {}),
    ...headers,
  });
};

/** Sends a raw JSON text (which a fault may have broken) with an exact Content-Length. */
export const sendJsonText = (ex: Exchange, status: number, text: string, headers: Record<string, string> = {}): void => {
  const body = Buffer.from(text, 'utf8');
  writeHead(ex, status, { 'Content-Type': 'application/json', 'Content-Length': body.length, ...headers });
  ex.res.end(ex.req.method === 'HEAD' ? undefined : body);
};

/** Reads a request body up to `limit` bytes; rejects beyond it. */
export const readBody = async (req: IncomingMessage, limit = 64 * 1024): Promise<string> => {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
};

/** Resolves once the response can take more data, or has closed (client gone). */
export const drained = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
