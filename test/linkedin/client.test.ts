/**
 * The client's wire format and edge cases, against a recording node:http stub. The behaviour
 * against a faithful LinkedIn lives in client.simulator.test.ts.
 */
import {
  DEFAULT_CONTRACTS_BUDGET_MS,
  DEFAULT_CONTRACTS_PAGE_SIZE,
  DEFAULT_MAX_CONTRACTS,
  LinkedInClient,
} from '../../lambdas/shared/linkedin/client';
import { LinkedInAuthError, type LinkedInError, LinkedInProtocolError, LinkedInUnavailable } from '../../lambdas/shared/linkedin/errors';
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';

/** LinkedIn's Rest.li action names, as its documentation spells them (not the code's table). */
const LINKEDIN_ACTIONS = { activity: 'exportActivityData', activityOutcome: 'exportActivityOutcomeData', seat: 'exportSeatData' } as const;
import { reply, startHttpStub, type HttpStub, type StubHandler } from './http-stub';
import { rejectionOf } from '../helpers/rejection';

const TOKEN = 'AQV-test-token-with-enough-length';
const CONTRACT = 'urn:li:contract:123456';
const START = Date.UTC(2026, 9, 1);
const END = Date.UTC(2026, 9, 2);

let stub: HttpStub;
let client: LinkedInClient;
/** The waits the client asked for between attempts (the injected sleep returns at once). */
let sleeps: number[];
const sleep = async (ms: number): Promise<void> => {
  sleeps.push(ms);
};

const failureOf = (promise: Promise<unknown>) => rejectionOf<LinkedInError>(promise);

const contracts = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ contract: `urn:li:contract:${from + i}`, name: `Contract ${from + i}` }));

beforeAll(async () => {
  stub = await startHttpStub();
});

afterAll(async () => {
  await stub.close();
});

beforeEach(() => {
  stub.requests.length = 0;
  sleeps = [];
  client = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN, timeoutMs: 10_000, sleep });
});

describe('createExportJob', () => {
  it.each(EXPORT_TYPES)('POSTs %s as its action with the JSON body and the Rest.li headers', async (exportType) => {
    // Prepare
    stub.handle(reply(200, { value: { id: 100002, status: 'ENQUEUED' } }));
    // Act
    const created = await client.createExportJob(exportType, CONTRACT, START, END);
    // Assess
    expect(created).toEqual({ id: 100002, status: 'ENQUEUED' });
    const [request] = stub.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(`/v2/salesAnalyticsExportJobs?action=${LINKEDIN_ACTIONS[exportType]}`);
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request!.headers['x-restli-protocol-version']).toBe('2.0.0');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({ contract: CONTRACT, startAt: START, endAt: END });
  });

  it('accepts 201 Created with the value envelope', async () => {
    stub.handle(reply(201, { value: { id: 2 ** 40, status: 'ENQUEUED', extra: true } }));
    expect(await client.createExportJob('seat', CONTRACT, START, END)).toEqual({ id: 2 ** 40, status: 'ENQUEUED' });
  });

  it('a 2xx without the value envelope is a protocol error', async () => {
    stub.handle(reply(200, { id: 1, status: 'ENQUEUED' }));
    const error = await failureOf(client.createExportJob('seat', CONTRACT, START, END));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('value: Invalid input');
    expect(error.httpStatus).toBe(200);
  });
});

describe('getExportJob', () => {
  it('GETs the job with the contract URL-encoded and no Content-Type', async () => {
    stub.handle(reply(200, { id: 100004, status: 'ENQUEUED' }));
    expect(await client.getExportJob(100004, CONTRACT)).toEqual({ id: 100004, status: 'ENQUEUED' });
    const [request] = stub.requests;
    expect(request!.method).toBe('GET');
    expect(request!.url).toBe('/v2/salesAnalyticsExportJobs/100004?contract=urn%3Ali%3Acontract%3A123456');
    expect(request!.headers['content-type']).toBeUndefined();
    expect(request!.headers['x-restli-protocol-version']).toBe('2.0.0');
  });

  it('a schema violation names the field but never quotes the downloadUrl', async () => {
    const downloadUrl = 'https://www.linkedin.com/ambry/?x-li-ambry-ep=SECRET-EP';
    stub.handle(reply(200, { id: '100004', status: 'COMPLETED', downloadUrl }));
    const error = await failureOf(client.getExportJob(100004, CONTRACT));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('id: Invalid input: expected number');
    expect(error.message).not.toContain('SECRET-EP');
    expect(JSON.stringify(error)).not.toContain('SECRET-EP');
  });

  it('a body that is not JSON is a protocol error that does not quote it', async () => {
    const body = '{"downloadUrl":"https://www.linkedin.com/ambry/?x-li-ambry-ep=SECRET-EP"';
    stub.handle(reply(200, body));
    const error = await failureOf(client.getExportJob(100004, CONTRACT));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain(`body is not JSON (${body.length} chars)`);
    expect(error.message).not.toContain('SECRET-EP');
  });
});

/** Answers with each handler in turn; the last one keeps answering. */
const inTurn =
  (...handlers: StubHandler[]): StubHandler =>
  (request, response) =>
    (handlers[Math.min(stub.requests.length, handlers.length) - 1] ?? handlers[0]!)(request, response);

const CUT_JOB = '{"id":7,"status":"COMP';
const JOB_REQUEST = 'GET salesAnalyticsExportJobs/7?contract=urn:li:contract:123456';
const PROTOCOL_ADVICE = 'The API may have changed or a proxy answered instead; the workflow does not retry this error.';

describe('an unusable answer to a read is asked again; a create never', () => {
  it('a job GET answered malformed once, then well, succeeds after one retry 1 s later', async () => {
    stub.handle(inTurn(reply(200, CUT_JOB), reply(200, { id: 7, status: 'PROCESSING' })));
    expect(await client.getExportJob(7, CONTRACT)).toEqual({ id: 7, status: 'PROCESSING' });
    expect(stub.requests).toHaveLength(2);
    expect(sleeps).toEqual([1_000]);
  });

  it('three malformed answers fail as LinkedInProtocolError after 3 attempts, 1 s then 2 s apart', async () => {
    stub.handle(reply(200, CUT_JOB, { 'x-li-uuid': 'uuid-3' }));
    const error = await failureOf(client.getExportJob(7, CONTRACT));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toBe(
      `LinkedIn sent an unusable response after 3 attempts (body is not JSON (${CUT_JOB.length} chars)) (200) on ${JOB_REQUEST}. ` +
        `${PROTOCOL_ADVICE} [x-li-uuid uuid-3]`,
    );
    expect((error as LinkedInProtocolError).attempts).toBe(3);
    expect(stub.requests).toHaveLength(3);
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  it('a schema-violating job is asked again too', async () => {
    stub.handle(inTurn(reply(200, { id: 7 }), reply(200, { id: 7, status: 'ENQUEUED' })));
    expect(await client.getExportJob(7, CONTRACT)).toEqual({ id: 7, status: 'ENQUEUED' });
    expect(stub.requests).toHaveLength(2);
  });

  it("a proxy's HTML page with HTTP 200 is named as such, retried, and never quoted", async () => {
    const page = '<!DOCTYPE html><html><body>Please sign in to the corporate proxy SECRET-PAGE</body></html>';
    stub.handle(reply(200, page, { 'content-type': 'text/html' }));
    const error = await failureOf(client.getExportJob(7, CONTRACT));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toBe(
      `LinkedIn sent an unusable response after 3 attempts (body is an HTML page, not JSON (${page.length} chars): ` +
        `a proxy or gateway answered?) (200) on ${JOB_REQUEST}. ${PROTOCOL_ADVICE}`,
    );
    expect(JSON.stringify(error)).not.toContain('SECRET-PAGE');
    expect(stub.requests).toHaveLength(3);
  });

  it('an empty 200 body is named as such', async () => {
    stub.handle(inTurn(reply(200, ''), reply(200, { id: 7, status: 'ENQUEUED' })));
    expect(await client.getExportJob(7, CONTRACT)).toEqual({ id: 7, status: 'ENQUEUED' });
    stub.handle(reply(200, ''));
    const error = await failureOf(client.getExportJob(7, CONTRACT));
    expect(error.message).toContain('after 3 attempts (body is empty)');
  });

  it('a malformed answer to the create is not retried: exactly one POST', async () => {
    stub.handle(reply(200, '{"value":{"id":5'));
    const error = await failureOf(client.createExportJob('seat', CONTRACT, START, END));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toBe(
      'LinkedIn sent an unusable response after 1 attempt (body is not JSON (16 chars)) (200) on ' +
        'POST salesAnalyticsExportJobs?action=exportSeatData. A create is never sent twice: a second one could start ' +
        `a second LinkedIn job. ${PROTOCOL_ADVICE}`,
    );
    expect(stub.requests.map((r) => r.method)).toEqual(['POST']);
    expect(sleeps).toEqual([]);
  });

  it('a contracts page answered malformed once is asked again, and paging goes on', async () => {
    stub.handle(inTurn(reply(200, '{"elements":['), reply(200, { elements: contracts(0, 2), paging: { start: 0, count: 10 } })));
    expect(await client.listContracts()).toHaveLength(2);
    expect(stub.requests.map((r) => r.url)).toEqual([
      '/v2/salesContracts?q=contractsByMember&start=0&count=10',
      '/v2/salesContracts?q=contractsByMember&start=0&count=10',
    ]);
  });

  it('HTTP errors are not retried here: the state machine retries them by name', async () => {
    stub.handle(reply(503, { message: 'down' }));
    expect(await failureOf(client.getExportJob(7, CONTRACT))).toBeInstanceOf(LinkedInUnavailable);
    expect(stub.requests).toHaveLength(1);
  });

  it('no repeat starts once the retry budget would be overrun, and the message says why', async () => {
    let clock = 0;
    const slow = new LinkedInClient({
      baseUrl: stub.baseUrl,
      token: TOKEN,
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
      readRetryBudgetMs: 10_000,
    });
    stub.handle((request, response) => {
      clock += 4_000; // each answer takes 4 s
      reply(200, CUT_JOB)(request, response);
    });
    const error = await failureOf(slow.getExportJob(7, CONTRACT));
    // 4 s answer + 1 s wait fits in 10 s; after the second answer (9 s) a 2 s wait does not.
    expect(stub.requests).toHaveLength(2);
    expect(error.message).toContain('after 2 attempts (body is not JSON');
    expect(error.message).toContain('No further attempt: the 10000 ms retry budget is spent.');
  });

  it("a caller's abort during the wait rejects with the caller's reason and sends nothing more", async () => {
    const controller = new AbortController();
    const reason = new Error('Lambda is out of time');
    const aborting = new LinkedInClient({
      baseUrl: stub.baseUrl,
      token: TOKEN,
      sleep: async () => controller.abort(reason),
    });
    stub.handle(reply(200, CUT_JOB));
    await expect(aborting.getExportJob(7, CONTRACT, { signal: controller.signal })).rejects.toBe(reason);
    expect(stub.requests).toHaveLength(1);
  });

  it('the default wait is cut short by an abort', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const real = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN });
    stub.handle(reply(200, CUT_JOB));
    const started = Date.now();
    const pending = real.getExportJob(7, CONTRACT, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(900);
    expect(stub.requests).toHaveLength(1);
  });

  it('readRetryDelaysMs [] turns the repeats off', async () => {
    const once = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN, sleep, readRetryDelaysMs: [] });
    stub.handle(reply(200, CUT_JOB));
    expect((await failureOf(once.getExportJob(7, CONTRACT))).message).toContain('after 1 attempt (body is not JSON');
    expect(stub.requests).toHaveLength(1);
  });
});

describe('the token', () => {
  it('is asked for before every request, so a replaced token is picked up', async () => {
    const tokens = ['first-token-aaaaaaaa', 'second-token-bbbbbbb'];
    const rotating = new LinkedInClient({ baseUrl: stub.baseUrl, token: async () => tokens.shift()! });
    stub.handle(reply(200, { id: 1, status: 'ENQUEUED' }));
    await rotating.getExportJob(1, CONTRACT);
    await rotating.getExportJob(1, CONTRACT);
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first-token-aaaaaaaa', 'Bearer second-token-bbbbbbb']);
  });

  it('a blank token fails as LinkedInAuthError without calling LinkedIn', async () => {
    const blank = new LinkedInClient({ baseUrl: stub.baseUrl, token: async () => '  ' });
    const error = await failureOf(blank.listContracts());
    expect(error).toBeInstanceOf(LinkedInAuthError);
    expect(error.message).toMatch(/^No LinkedIn access token to send/);
    expect(stub.requests).toHaveLength(0);
  });

  it('is redacted from an error message LinkedIn echoes it in, and never serialised', async () => {
    stub.handle(reply(401, { message: `Invalid access token ${TOKEN}`, serviceErrorCode: 65600, status: 401 }));
    const error = await failureOf(client.getExportJob(1, CONTRACT));
    expect(error).toBeInstanceOf(LinkedInAuthError);
    expect(error.message).toContain('Invalid access token [redacted]');
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });
});

describe('the token in what LinkedIn echoes', () => {
  /** Mixed case and the characters URL encoding changes. */
  const SPECIAL = 'AQVx+y/Z=Tok42';
  const echo = async (token: string, message: string, headers: Record<string, string> = {}) => {
    const echoed = new LinkedInClient({ baseUrl: stub.baseUrl, token, sleep });
    stub.handle(reply(401, { message, serviceErrorCode: 65600, status: 401 }, headers));
    return failureOf(echoed.getExportJob(1, CONTRACT));
  };

  it.each([
    ['exact', `Invalid access token ${SPECIAL}`, 'Invalid access token [redacted]'],
    ['URL-encoded', 'Invalid access token AQVx%2By%2FZ%3DTok42', 'Invalid access token [redacted]'],
    ['URL-encoded, lower-case hex', 'token=AQVx%2by%2fZ%3dTok42&x=1', 'token=[redacted]&x=1'],
    ['URL-encoded twice', 'Invalid access token AQVx%252By%252FZ%253DTok42', 'Invalid access token [redacted]'],
    ['upper case', 'INVALID ACCESS TOKEN AQVX+Y/Z=TOK42', 'INVALID ACCESS TOKEN [redacted]'],
    ['lower case', 'invalid access token aqvx+y/z=tok42', 'invalid access token [redacted]'],
    ['base64', `credentials ${Buffer.from(SPECIAL).toString('base64')} rejected`, 'credentials [redacted] rejected'],
    ['base64url', `credentials ${Buffer.from(SPECIAL).toString('base64url')} rejected`, 'credentials [redacted] rejected'],
    ['after Bearer', `Header was "Bearer ${SPECIAL}"`, 'Header was "Bearer [redacted]"'],
    ['after Bearer, cut short', 'Header was Bearer AQVx+y/Z=To…', 'Header was Bearer [redacted]…'],
    ['twice', `${SPECIAL} is not ${SPECIAL.toLowerCase()}`, '[redacted] is not [redacted]'],
  ])('%s', async (_form, message, expected) => {
    const error = await echo(SPECIAL, message);
    expect(error.linkedIn?.message).toBe(expected);
    expect(error.message).toContain(`on GET salesAnalyticsExportJobs/1?contract=urn:li:contract:123456: "${expected}". The token is`);
    expect(JSON.stringify(error).toLowerCase()).not.toContain(SPECIAL.toLowerCase());
  });

  it('a 4-character token is still searched for (the floor), case-insensitively', async () => {
    const error = await echo('k9Zq', 'token K9ZQ unknown; expected a token like k9zq-…');
    expect(error.linkedIn?.message).toBe('token [redacted] unknown; expected a token like [redacted]-…');
  });

  it('a shorter token is not searched for in words, but is redacted after Bearer', async () => {
    const error = await echo('abc', 'token abc is not valid: Bearer abc');
    expect(error.linkedIn?.message).toBe('token abc is not valid: Bearer [redacted]');
  });

  it('"Bearer token" in prose is left alone', async () => {
    const error = await echo(SPECIAL, 'Missing Bearer token in the Authorization header');
    expect(error.linkedIn?.message).toBe('Missing Bearer token in the Authorization header');
  });

  it('is redacted from the tracing headers too', async () => {
    const error = await echo(SPECIAL, 'Invalid access token', {
      'x-li-uuid': `uuid-${SPECIAL}`,
      'x-li-request-id': 'AQVx%2By%2FZ%3DTok42',
    });
    expect(error.liUuid).toBe('uuid-[redacted]');
    expect(error.liRequestId).toBe('[redacted]');
    expect(error.message).toContain('[x-li-uuid uuid-[redacted], x-li-request-id [redacted]]');
  });
});

describe('HTTP edge cases', () => {
  it('does not follow a redirect (the bearer token stays with LinkedIn)', async () => {
    stub.handle(reply(302, '', { location: 'http://127.0.0.1:1/elsewhere' }));
    const error = await failureOf(client.getExportJob(1, CONTRACT));
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('unexpected HTTP status 302');
    expect(stub.requests).toHaveLength(1);
  });

  it("a 5xx with a proxy's HTML page is unavailable, without a LinkedIn body", async () => {
    stub.handle(reply(502, '<html>Bad Gateway</html>', { 'x-li-uuid': 'uuid-1' }));
    const error = await failureOf(client.getExportJob(1, CONTRACT));
    expect(error).toBeInstanceOf(LinkedInUnavailable);
    expect(error.linkedIn).toBeUndefined();
    expect(error.liUuid).toBe('uuid-1');
  });

  it("a caller's abort rejects with the caller's reason, not a LinkedIn error", async () => {
    stub.handle(() => undefined); // never answers
    const controller = new AbortController();
    const reason = new Error('Lambda is out of time');
    const pending = client.getExportJob(1, CONTRACT, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('listContracts paging', () => {
  it('walks start/count until a short page', async () => {
    stub.handle((request, response) => {
      const start = Number(new URL(request.url, 'http://x').searchParams.get('start'));
      reply(200, { elements: contracts(start, start < 20 ? 10 : 3), paging: { start, count: 10, links: [] } })(request, response);
    });
    const found = await client.listContracts();
    expect(found).toHaveLength(23);
    expect(stub.requests.map((r) => r.url)).toEqual([
      '/v2/salesContracts?q=contractsByMember&start=0&count=10',
      '/v2/salesContracts?q=contractsByMember&start=10&count=10',
      '/v2/salesContracts?q=contractsByMember&start=20&count=10',
    ]);
  });

  it("follows the server's smaller page size instead of stopping early", async () => {
    stub.handle((request, response) => {
      const start = Number(new URL(request.url, 'http://x').searchParams.get('start'));
      reply(200, { elements: contracts(start, start < 4 ? 2 : 1), paging: { start, count: 2 } })(request, response);
    });
    expect(await client.listContracts()).toHaveLength(5);
  });

  it('stops when a server that ignores start repeats the same full page', async () => {
    stub.handle(reply(200, { elements: contracts(0, 10), paging: { start: 0, count: 10 } }));
    expect(await client.listContracts()).toHaveLength(10);
    expect(stub.requests).toHaveLength(2);
  });

  it('stops at paging.total', async () => {
    stub.handle(reply(200, { elements: contracts(0, 10), paging: { start: 0, count: 10, total: 10 } }));
    expect(await client.listContracts()).toHaveLength(10);
    expect(stub.requests).toHaveLength(1);
  });

  /** A server whose pages never end: every page is full and new. */
  const endless: StubHandler = (request, response) => {
    const start = Number(new URL(request.url, 'http://x').searchParams.get('start'));
    reply(200, { elements: contracts(start, 10), paging: { start, count: 10 } })(request, response);
  };

  it('has no page limit: 150 pages (1,500 contracts) are walked to their short end', async () => {
    stub.handle((request, response) => {
      const start = Number(new URL(request.url, 'http://x').searchParams.get('start'));
      reply(200, { elements: contracts(start, start < 1_490 ? 10 : 5), paging: { start, count: 10 } })(request, response);
    });
    const found = await client.listContracts();
    expect(found).toHaveLength(1_495);
    expect(new Set(found.map((c) => c.contract)).size).toBe(1_495);
    expect(stub.requests).toHaveLength(150);
  });

  it('gives up with a protocol error past maxContracts, naming the pages and contracts read', async () => {
    const capped = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN, maxContracts: 35 });
    stub.handle(endless);
    const error = await failureOf(capped.listContracts());
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('lists more than 35 contracts (4 pages read, 40 contracts found)');
    expect(stub.requests).toHaveLength(4);
  });

  it('fails at once when paging.total is above maxContracts', async () => {
    const capped = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN, maxContracts: 1_000 });
    stub.handle(reply(200, { elements: contracts(0, 10), paging: { start: 0, count: 10, total: 250_000 } }));
    const error = await failureOf(capped.listContracts());
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('lists more than 1000 contracts (1 page read, 10 contracts found of the 250000 in paging.total)');
    expect(stub.requests).toHaveLength(1);
  });

  it('the default ceiling is 100,000 contracts, not a page count', () => {
    expect(DEFAULT_MAX_CONTRACTS).toBe(100_000);
    expect(DEFAULT_CONTRACTS_BUDGET_MS).toBe(300_000);
    expect(DEFAULT_CONTRACTS_PAGE_SIZE).toBe(10);
  });

  it('fails with a protocol error when the time budget runs out between pages, naming what was read', async () => {
    let clock = 0;
    const timed = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN, contractsBudgetMs: 5_000, now: () => (clock += 1_000) });
    stub.handle(endless);
    const error = await failureOf(timed.listContracts());
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toMatch(/still paging when the 5000 ms budget ran out: \d+ pages read, \d+ contracts found/);
    expect(error.request).toMatch(/^GET salesContracts\?q=contractsByMember&start=\d+&count=10$/);
    expect(stub.requests.length).toBeGreaterThan(0);
    expect(stub.requests.length).toBeLessThan(5);
  });

  it('the budget also ends a request in flight: a server that stops answering fails at the budget, not the request timeout', async () => {
    const timed = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN, timeoutMs: 30_000, contractsBudgetMs: 300 });
    stub.handle((request, response) => {
      if (new URL(request.url, 'http://x').searchParams.get('start') === '0') endless(request, response);
      // Later pages never answer.
    });
    const started = Date.now();
    const error = await failureOf(timed.listContracts());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('still paging when the 300 ms budget ran out: 1 page read, 10 contracts found');
  });

  it("a caller's abort still rejects with the caller's reason", async () => {
    stub.handle(() => undefined);
    const controller = new AbortController();
    const reason = new Error('Lambda is out of time');
    const pending = client.listContracts({ signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it('a paging.total of 0 beside contracts is not believed', async () => {
    stub.handle((request, response) => {
      const start = Number(new URL(request.url, 'http://x').searchParams.get('start'));
      reply(200, { elements: contracts(start, start < 20 ? 10 : 4), paging: { start, count: 10, total: 0 } })(request, response);
    });
    expect(await client.listContracts()).toHaveLength(24);
  });

  it('reports progress after every page', async () => {
    stub.handle((request, response) => {
      const start = Number(new URL(request.url, 'http://x').searchParams.get('start'));
      reply(200, { elements: contracts(start, start < 10 ? 10 : 5), paging: { start, count: 10, total: 15 } })(request, response);
    });
    const progress: unknown[] = [];
    await client.listContracts({ onPage: (p) => progress.push(p) });
    expect(progress).toEqual([
      { pages: 1, contracts: 10, total: 15 },
      { pages: 2, contracts: 15, total: 15 },
    ]);
  });

  it('an empty first page is no contracts', async () => {
    stub.handle(reply(200, { elements: [], paging: { start: 0, count: 10, links: [] } }));
    expect(await client.listContracts()).toEqual([]);
  });
});

describe('createLinkedInClient', () => {
  it('takes the base URL from the runtime configuration and the token from the source it is given', async () => {
    const { createLinkedInClient } = await import('../../lambdas/shared/linkedin/from-config');
    const configured = createLinkedInClient(
      { LINKEDIN_API_URL: `${stub.baseUrl}/`, LINKEDIN_TIMEOUT_MS: 5_000 },
      async () => 'local-runner-token',
    );
    stub.handle(reply(200, { id: 7, status: 'PROCESSING' }));
    expect(await configured.getExportJob(7, CONTRACT)).toEqual({ id: 7, status: 'PROCESSING' });
    expect(stub.requests[0]!.url).toBe('/v2/salesAnalyticsExportJobs/7?contract=urn%3Ali%3Acontract%3A123456');
    expect(stub.requests[0]!.headers.authorization).toBe('Bearer local-runner-token');
  });
});
