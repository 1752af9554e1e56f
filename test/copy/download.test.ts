import {
  MAX_REDIRECTS,
  assertDownloadUrlAllowed,
  allowedOrigin,
  isLinkedInOrigin,
  networkErrorCode,
  openDownload,
  parseContentLength,
} from '../../lambdas/shared/copy/download';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { redirect, serve, startDownloadServer, status, type DownloadServer } from './download-server';

const policy = { allowedHosts: ['www.linkedin.com', 'api.linkedin.com', '127.0.0.1'], allowHttpLoopback: false };

describe('assertDownloadUrlAllowed', () => {
  it('accepts https to an allowlisted host, case-insensitively', () => {
    expect(assertDownloadUrlAllowed('https://WWW.LinkedIn.com/ambry/?x-li-ambry-ep=abc', policy, 1).hostname).toBe('www.linkedin.com');
  });

  it.each([
    [
      'another host',
      'https://files.example.com/a.csv',
      /"https:\/\/files\.example\.com" \(host "files\.example\.com"\), which is not an allowed/,
    ],
    ['a look-alike suffix', 'https://www.linkedin.com.evil.io/a', /not an allowed download origin/],
    ['a subdomain of an allowed host (exact match only)', 'https://x.www.linkedin.com/a', /not an allowed download origin/],
    ['an allowed host on another port', 'https://www.linkedin.com:1/ambry/', /"https:\/\/www\.linkedin\.com:1" .*https on port 443 only/],
    ['a bare loopback host entry on another port', 'https://127.0.0.1:9000/a', /"https:\/\/127\.0\.0\.1:9000"/],
    ['plain http to an allowed host', 'http://www.linkedin.com/a', /uses http .* must use https/],
    ['plain http to loopback without the exception', 'http://127.0.0.1:9000/a', /must use https/],
    ['another scheme', 'ftp://www.linkedin.com/a', /uses ftp/],
    ['embedded credentials', 'https://user:pw@www.linkedin.com/a', /user credentials/],
    ['not a URL', 'not a url at all', /not a valid absolute URL/],
  ])('rejects %s with DownloadHostNotAllowed', (_name, url, message) => {
    expect(() => assertDownloadUrlAllowed(url, policy, 42)).toThrow(
      expect.objectContaining({ name: ERROR_NAMES.hostNotAllowed, message: expect.stringMatching(message) }),
    );
  });

  it('never puts the URL in the message', () => {
    try {
      assertDownloadUrlAllowed('https://files.example.com/a.csv?sig=TOPSECRET', policy, 42);
    } catch (error) {
      expect((error as Error).message).not.toContain('TOPSECRET');
      expect((error as Error).message).toContain('the download URL for job 42');
    }
    expect.assertions(2);
  });

  it('accepts the default port written out: an entry "h" is https://h:443', () => {
    expect(assertDownloadUrlAllowed('https://www.linkedin.com:443/ambry/', policy, 1).hostname).toBe('www.linkedin.com');
  });

  it('allows plain http only to a listed loopback origin (port included), and only with the exception on', () => {
    const local = { allowedHosts: ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080'], allowHttpLoopback: true };
    expect(assertDownloadUrlAllowed('http://127.0.0.1:8080/x', local, 1).port).toBe('8080');
    expect(assertDownloadUrlAllowed('http://localhost:8080/x', local, 1).hostname).toBe('localhost');
    expect(assertDownloadUrlAllowed('http://[::1]:8080/x', local, 1).hostname).toBe('[::1]');
    // Another service on the same machine: same host, another port.
    expect(() => assertDownloadUrlAllowed('http://127.0.0.1:8081/x', local, 1)).toThrow(/"http:\/\/127\.0\.0\.1:8081"/);
    // A bare loopback host means https on 443, never http on some port.
    expect(() => assertDownloadUrlAllowed('http://127.0.0.1:8080/x', { ...local, allowedHosts: ['127.0.0.1'] }, 1)).toThrow(
      /not an allowed download origin/,
    );
    // The exception relaxes the scheme, not the allowlist.
    expect(() => assertDownloadUrlAllowed('http://localhost:8080/x', { ...local, allowedHosts: ['http://127.0.0.1:8080'] }, 1)).toThrow(
      /not an allowed download origin/,
    );
    // Without it, a listed http origin is refused all the same.
    expect(() => assertDownloadUrlAllowed('http://127.0.0.1:8080/x', { ...local, allowHttpLoopback: false }, 1)).toThrow(/must use https/);
    // And http to a non-loopback origin is refused even when listed.
    expect(() =>
      assertDownloadUrlAllowed('http://files.example.com/x', { allowedHosts: ['http://files.example.com'], allowHttpLoopback: true }, 1),
    ).toThrow(/must use https/);
  });

  it('matches host:port entries (https on that port)', () => {
    expect(
      assertDownloadUrlAllowed(
        'https://files.example.com:8443/x',
        { allowedHosts: ['files.example.com:8443'], allowHttpLoopback: false },
        1,
      ).port,
    ).toBe('8443');
  });
});

describe('allowedOrigin: what an allowlist entry stands for', () => {
  it.each<[string, string | undefined]>([
    ['www.linkedin.com', 'https://www.linkedin.com'],
    [' WWW.LinkedIn.com ', 'https://www.linkedin.com'],
    ['www.linkedin.com:443', 'https://www.linkedin.com'],
    ['files.example.com:8443', 'https://files.example.com:8443'],
    ['https://www.linkedin.com:443/', 'https://www.linkedin.com'],
    ['http://127.0.0.1:43567', 'http://127.0.0.1:43567'],
    ['http://[::1]:80', 'http://[::1]'],
    ['https://www.linkedin.com/ambry', undefined],
    ['https://user@www.linkedin.com', undefined],
    ['ftp://www.linkedin.com', undefined],
    ['www.linkedin.com:99999', undefined],
    ['', undefined],
  ])('%j -> %j', (entry, expected) => {
    expect(allowedOrigin(entry)).toBe(expected);
  });
});

describe('isLinkedInOrigin: where the bearer token may go', () => {
  it.each([
    ['https://www.linkedin.com/ambry/', true],
    ['https://www.linkedin.com:443/ambry/', true],
    ['https://linkedin.com/x', true],
    ['https://media.licdn.linkedin.com/x', true],
    ['https://www.linkedin.com:1/x', false],
    ['https://www.linkedin.com:8443/x', false],
    ['http://www.linkedin.com/x', false],
    ['https://notlinkedin.com/x', false],
    ['https://www.linkedin.com.evil.io/x', false],
    ['http://127.0.0.1:1234/x', false],
  ])('%s -> %s', (url, expected) => {
    expect(isLinkedInOrigin(new URL(url))).toBe(expected);
  });
});

describe('parseContentLength', () => {
  it.each<[string | null, number | undefined]>([
    ['0', 0],
    ['3221225472', 3221225472],
    [' 12 ', 12],
    [null, undefined],
    ['', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['12, 12', undefined],
    ['1e3', undefined],
    ['99999999999999999', undefined],
  ])('%j -> %j', (header, expected) => {
    expect(parseContentLength(header)).toBe(expected);
  });
});

describe('networkErrorCode', () => {
  it('finds the code down the cause chain', () => {
    expect(networkErrorCode(new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }))).toBe(
      'ECONNREFUSED',
    );
    expect(networkErrorCode(new TypeError('terminated'))).toBe('TypeError');
  });
});

describe('openDownload against a loopback server', () => {
  let web: DownloadServer;
  beforeAll(async () => {
    web = await startDownloadServer();
  });
  afterAll(async () => web?.close());
  beforeEach(() => web.reset());

  const options = () => ({
    jobId: 7,
    allowedHosts: [web.origin],
    allowHttpLoopback: true,
    signal: new AbortController().signal,
    authorization: jest.fn(async () => 'Bearer token'),
  });

  it('returns the body and its Content-Length, without the token for a non-LinkedIn host', async () => {
    web.on('/f', serve(Buffer.from('a,b\n1,2\n')));
    const opts = options();
    const opened = await openDownload(`${web.origin}/f`, opts);
    expect(opened).toMatchObject({ kind: 'body', contentLength: 8 });
    if (opened.kind === 'body') opened.body.resume();
    expect(opts.authorization).not.toHaveBeenCalled();
    expect(web.headersOf('/f')[0]?.authorization).toBeUndefined();
  });

  it('signals expiry for 403 and 410', async () => {
    web.on('/403', status(403));
    web.on('/410', status(410));
    await expect(openDownload(`${web.origin}/403`, options())).resolves.toEqual({ kind: 'expired', status: 403 });
    await expect(openDownload(`${web.origin}/410`, options())).resolves.toEqual({ kind: 'expired', status: 410 });
  });

  it.each([206, 204, 404, 500])('fails with DownloadFailed on HTTP %i', async (code) => {
    web.on('/s', status(code));
    await expect(openDownload(`${web.origin}/s`, options())).rejects.toMatchObject({ name: ERROR_NAMES.downloadFailed });
  });

  it(`follows up to ${MAX_REDIRECTS} redirects, relative ones included`, async () => {
    web.on('/a', redirect('/b', 301));
    web.on('/b', redirect(`${web.origin}/c`, 307));
    web.on('/c', redirect('d', 308));
    web.on('/d', serve(Buffer.from('x\n')));
    const opened = await openDownload(`${web.origin}/a`, options());
    expect(opened).toMatchObject({ kind: 'body', contentLength: 2 });
    if (opened.kind === 'body') opened.body.resume();
  });

  it('fails with DownloadFailed when a redirect has no Location', async () => {
    web.on('/nowhere', (_req, res) => res.writeHead(302).end());
    await expect(openDownload(`${web.origin}/nowhere`, options())).rejects.toMatchObject({ name: ERROR_NAMES.downloadFailed });
  });

  it('fails with DownloadFailed when nothing listens, naming the host but not the URL', async () => {
    const closed = await startDownloadServer();
    const origin = closed.origin;
    await closed.close();
    const error = (await openDownload(`${origin}/x?sig=TOPSECRET`, { ...options(), allowedHosts: [origin] }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ name: ERROR_NAMES.downloadFailed, message: expect.stringMatching(/ECONNREFUSED/) });
    expect(error.message).not.toContain('TOPSECRET');
  });

  describe('origins, not hosts: another port is another place', () => {
    let other: DownloadServer;
    beforeAll(async () => {
      other = await startDownloadServer();
    });
    afterAll(async () => other?.close());
    beforeEach(() => other.reset());

    it('refuses https://www.linkedin.com:1/ before any request, and sends no token', async () => {
      const fetchSpy = jest.spyOn(globalThis, 'fetch');
      try {
        const opts = { ...options(), allowedHosts: ['www.linkedin.com'] };
        await expect(openDownload('https://www.linkedin.com:1/ambry/?x-li-ambry-ep=abc', opts)).rejects.toMatchObject({
          name: ERROR_NAMES.hostNotAllowed,
          message: expect.stringMatching(/"https:\/\/www\.linkedin\.com:1"/),
        });
        expect(fetchSpy).not.toHaveBeenCalled();
        expect(opts.authorization).not.toHaveBeenCalled();
      } finally {
        fetchSpy.mockRestore();
      }
    });

    it('refuses another port of the allowed loopback host: nothing fetched, no token', async () => {
      other.on('/f', serve(Buffer.from('a,b\n1,2\n')));
      expect(new URL(other.origin).hostname).toBe(new URL(web.origin).hostname);
      const opts = options();
      await expect(openDownload(`${other.origin}/f`, opts)).rejects.toMatchObject({ name: ERROR_NAMES.hostNotAllowed });
      expect(other.hits('/f')).toBe(0);
      expect(opts.authorization).not.toHaveBeenCalled();
    });

    it('re-checks a redirect hop the same way: a hop to another port is never contacted', async () => {
      web.on('/hop', redirect(`${other.origin}/f`));
      other.on('/f', serve(Buffer.from('a,b\n1,2\n')));
      await expect(openDownload(`${web.origin}/hop`, options())).rejects.toMatchObject({ name: ERROR_NAMES.hostNotAllowed });
      expect(web.hits('/hop')).toBe(1);
      expect(other.hits('/f')).toBe(0);
    });
  });
});
