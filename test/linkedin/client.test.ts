/**
 * The client's wire format and edge cases, against a recording node:http stub. The behaviour
 * against a faithful LinkedIn lives in client.simulator.test.ts.
 */
import { LinkedInClient } from '../../lambdas/shared/linkedin/client';
import { LinkedInAuthError, type LinkedInError, LinkedInProtocolError, LinkedInUnavailable } from '../../lambdas/shared/linkedin/errors';
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';

/** LinkedIn's Rest.li action names, as its documentation spells them (not the code's table). */
const LINKEDIN_ACTIONS = { activity: 'exportActivityData', activityOutcome: 'exportActivityOutcomeData', seat: 'exportSeatData' } as const;
import { reply, startHttpStub, type HttpStub } from './http-stub';
import { rejectionOf } from '../helpers/rejection';

const TOKEN = 'AQV-test-token-with-enough-length';
const CONTRACT = 'urn:li:contract:123456';
const START = Date.UTC(2026, 9, 1);
const END = Date.UTC(2026, 9, 2);

let stub: HttpStub;
let client: LinkedInClient;

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
  client = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN, timeoutMs: 10_000 });
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

  it('gives up with a protocol error when pages never end', async () => {
    const capped = new LinkedInClient({ baseUrl: stub.baseUrl, token: TOKEN, maxContractPages: 4 });
    stub.handle((request, response) => {
      const start = Number(new URL(request.url, 'http://x').searchParams.get('start'));
      reply(200, { elements: contracts(start, 10), paging: { start, count: 10 } })(request, response);
    });
    const error = await failureOf(capped.listContracts());
    expect(error).toBeInstanceOf(LinkedInProtocolError);
    expect(error.message).toContain('did not end after 4 pages');
    expect(stub.requests).toHaveLength(4);
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
