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
  /** The member whose issued access token made the API call; absent for the static token and unauthenticated calls. */
  member?: string;
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
  /** Set once an issued access token authenticated the call. */
  member?: string;
}

/**
 * Query parameters whose values are credentials. LinkedIn's clients send them in POST bodies,
 * which are never recorded; a client that wrongly puts one in a URL must not get it into the
 * call log a test prints either.
 */
const CREDENTIAL_PARAMS = ['code', 'client_secret', 'access_token', 'refresh_token', 'token', 'oauth2_access_token'];

/** The path and query a call is recorded with: as sent, credential values replaced by `REDACTED`. */
export const recordedPath = (url: URL): string => {
  const sensitive = CREDENTIAL_PARAMS.filter((name) => url.searchParams.has(name));
  // Untouched when there is nothing to hide: re-encoding would change the recorded query of every API call.
  if (sensitive.length === 0) return url.pathname + url.search;
  const query = new URLSearchParams(url.searchParams);
  for (const name of sensitive) query.set(name, 'REDACTED');
  return `${url.pathname}?${query.toString()}`;
};

/** Records the call as answered with `status` (0: the answer was dropped). */
export const recordCall = (ex: Exchange, status: number): void => {
  ex.calls.push({
    method: ex.req.method ?? 'GET',
    route: ex.route,
    status,
    path: recordedPath(ex.url),
    at: ex.now(),
    ...(ex.member !== undefined && { member: ex.member }),
  });
};

/** Writes the status line and headers (plus LinkedIn's tracing headers) and records the call. */
export const writeHead = (ex: Exchange, status: number, headers: Record<string, string | number>): void => {
  recordCall(ex, status);
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
