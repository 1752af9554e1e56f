import { ERROR_NAMES, NamedError } from '../../lambdas/shared/contract/error-names';
import {
  LinkedInAuthError,
  LinkedInBadRequest,
  LinkedInError,
  LinkedInForbidden,
  LinkedInNotFound,
  LinkedInProtocolError,
  LinkedInThrottled,
  LinkedInUnavailable,
  linkedInErrorForStatus,
} from '../../lambdas/shared/linkedin/errors';

const CONTRACT = 'urn:li:contract:123456';
const context = (httpStatus: number) => ({
  request: `GET salesAnalyticsExportJobs/100004?contract=${CONTRACT}`,
  httpStatus,
  linkedIn: { message: `LinkedIn says ${httpStatus}`, serviceErrorCode: 65600, status: httpStatus },
  liUuid: 'uuid-abc',
  liRequestId: 'req-123',
});

describe('linkedInErrorForStatus', () => {
  it.each([
    [400, LinkedInBadRequest, ERROR_NAMES.badRequest],
    [401, LinkedInAuthError, ERROR_NAMES.auth],
    [403, LinkedInForbidden, ERROR_NAMES.forbidden],
    [404, LinkedInNotFound, ERROR_NAMES.notFound],
    [405, LinkedInBadRequest, ERROR_NAMES.badRequest],
    [408, LinkedInUnavailable, ERROR_NAMES.unavailable],
    [410, LinkedInNotFound, ERROR_NAMES.notFound],
    [411, LinkedInBadRequest, ERROR_NAMES.badRequest],
    [414, LinkedInBadRequest, ERROR_NAMES.badRequest],
    [422, LinkedInBadRequest, ERROR_NAMES.badRequest],
    [429, LinkedInThrottled, ERROR_NAMES.throttled],
    [500, LinkedInUnavailable, ERROR_NAMES.unavailable],
    [502, LinkedInUnavailable, ERROR_NAMES.unavailable],
    [503, LinkedInUnavailable, ERROR_NAMES.unavailable],
    [504, LinkedInUnavailable, ERROR_NAMES.unavailable],
    [302, LinkedInProtocolError, ERROR_NAMES.protocol],
    [101, LinkedInProtocolError, ERROR_NAMES.protocol],
  ])('%i -> %p named %s', (status, type, name) => {
    // Act
    const error = linkedInErrorForStatus(context(status), CONTRACT);
    // Assess
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(LinkedInError);
    expect(error).toBeInstanceOf(NamedError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).not.toMatch(/\n/);
  });

  it('keeps the HTTP status, LinkedIn body, request and tracing headers', () => {
    const error = linkedInErrorForStatus(context(503));
    expect(error).toMatchObject({
      httpStatus: 503,
      linkedIn: { message: 'LinkedIn says 503', serviceErrorCode: 65600, status: 503 },
      request: `GET salesAnalyticsExportJobs/100004?contract=${CONTRACT}`,
      liUuid: 'uuid-abc',
      liRequestId: 'req-123',
    });
    expect(error.message).toContain('x-li-uuid uuid-abc');
    expect(error.message).toContain('x-li-request-id req-123');
    expect(error.message).toContain('"LinkedIn says 503"');
    expect(error.message).toContain('503, serviceErrorCode 65600');
  });

  it('serialises to its safe fields', () => {
    const error = linkedInErrorForStatus(context(429));
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'LinkedInThrottled',
      message: error.message,
      request: `GET salesAnalyticsExportJobs/100004?contract=${CONTRACT}`,
      httpStatus: 429,
      linkedIn: { message: 'LinkedIn says 429', serviceErrorCode: 65600, status: 429 },
      liUuid: 'uuid-abc',
      liRequestId: 'req-123',
    });
  });

  it('works without a LinkedIn body or headers', () => {
    const error = linkedInErrorForStatus({ request: 'GET salesContracts?q=contractsByMember', httpStatus: 502 });
    expect(error.message).toBe('LinkedIn is unavailable (502) on GET salesContracts?q=contractsByMember. Transient: retried with backoff.');
    expect(error.linkedIn).toBeUndefined();
  });
});

describe('messages say what to fix', () => {
  it('401 says the token is missing, invalid or expired and the command that renews it', () => {
    const error = linkedInErrorForStatus({
      request: 'POST salesAnalyticsExportJobs?action=exportSeatData',
      httpStatus: 401,
      linkedIn: { message: 'Empty oauth2_access_token', serviceErrorCode: 401, status: 401 },
    });
    expect(error.message).toMatch(/^LinkedIn rejected the access token \(401, serviceErrorCode 401\)/);
    expect(error.message).toContain('missing, invalid, revoked or expired');
    expect(error.message).toContain('renew the authorization with npm run cli -- authorize, and see every authorization');
  });

  it("a named authorization's 401 names it and its own command", () => {
    const error = linkedInErrorForStatus({ httpStatus: 401, authorization: 'acme' });
    expect(error.message).toContain('renew authorization "acme" with npm run cli -- authorize --name acme');
  });

  it('403 names the contract that lacks reporting access', () => {
    const error = linkedInErrorForStatus(context(403), CONTRACT) as LinkedInForbidden;
    expect(error.contract).toBe(CONTRACT);
    expect(error.message).toContain(`Contract ${CONTRACT} lacks reporting access`);
    expect(JSON.parse(JSON.stringify(error)).contract).toBe(CONTRACT);
  });

  it('403 without a contract talks about the token scope', () => {
    const error = linkedInErrorForStatus({ request: 'GET salesContracts?q=contractsByMember', httpStatus: 403 });
    expect(error.message).toContain('r_sales_nav_analytics');
  });

  it('timeout and network errors say so, and are transient', () => {
    const timeout = new LinkedInUnavailable({ request: 'GET x' }, { kind: 'timeout', timeoutMs: 30000 });
    const network = new LinkedInUnavailable({ request: 'GET x' }, { kind: 'network', detail: 'ECONNREFUSED' });
    expect(timeout.message).toContain('did not answer within 30000 ms');
    expect(timeout.reason).toBe('timeout');
    expect(network.message).toContain('Could not reach LinkedIn (ECONNREFUSED)');
    expect(network.reason).toBe('network');
  });

  it('a long multi-line LinkedIn message is echoed on one short line', () => {
    const error = linkedInErrorForStatus({
      httpStatus: 400,
      linkedIn: { message: `line one\nline two ${'x'.repeat(1000)}` },
    });
    expect(error.message).not.toMatch(/\n/);
    expect(error.message.length).toBeLessThan(700);
    expect(error.message).toContain('line one line two');
  });

  it('a protocol error states the problem', () => {
    const error = new LinkedInProtocolError({ request: 'GET x', httpStatus: 200 }, 'body is not JSON (12 chars)');
    expect(error.name).toBe('LinkedInProtocolError');
    expect(error.message).toContain('body is not JSON (12 chars)');
  });

  it('keeps a cause without serialising it', () => {
    const cause = new Error('socket hang up near Bearer secret-token-value');
    const error = new LinkedInUnavailable({ request: 'GET x', cause }, { kind: 'network', detail: 'ECONNRESET' });
    expect(error.cause).toBe(cause);
    expect(JSON.stringify(error)).not.toContain('secret-token-value');
  });
});
