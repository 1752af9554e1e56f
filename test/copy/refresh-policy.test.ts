/** The copy's retry and refresh decisions, without a download or a clock. */
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { afterSetback, expiryWait, NOTHING_SPENT, shortLivedUrl } from '../../lambdas/shared/copy/refresh-policy';

const JOB_ID = 42;
const limits = { maxUrlRefreshes: 2, maxDroppedConnectionRetries: 1 };

describe('shortLivedUrl', () => {
  it('lets a URL with at least the minimum left through', () => {
    expect(shortLivedUrl({ id: JOB_ID, expireAt: 1_300_000 }, 1_000_000, 300_000)).toBeUndefined();
  });

  it('stops a URL that expires under the minimum, and one that has expired', () => {
    expect(shortLivedUrl({ id: JOB_ID, expireAt: 1_060_000 }, 1_000_000, 300_000)).toEqual({
      urlLifeMs: 60_000,
      why: 'the download URL for job 42 expires in 60 s, under the 300 s minimum',
    });
    expect(shortLivedUrl({ id: JOB_ID, expireAt: 999_000 }, 1_000_000, 300_000)).toMatchObject({ urlLifeMs: -1_000, why: /has expired/ });
  });
});

describe('expiryWait', () => {
  const url = { urlLifeMs: 60_000, why: 'the download URL for job 42 expires in 60 s' };

  it('waits a second past expiry when that fits', () => {
    expect(expiryWait(url, 120_000)).toEqual({ kind: 'wait', waitMs: 61_000 });
  });

  it('gives up with DownloadUrlExpired when the wait does not fit', () => {
    const next = expiryWait(url, 61_000);
    expect(next.kind).toBe('give-up');
    expect(next.kind === 'give-up' && next.error).toMatchObject({ name: ERROR_NAMES.urlExpired, message: /does not fit in this run/ });
  });
});

describe('afterSetback', () => {
  it('refreshes an expired URL and gives the fresh URL a fresh drop allowance', () => {
    expect(afterSetback({ kind: 'expired', status: 403 }, { refreshes: 0, dropRetries: 1 }, limits, JOB_ID)).toEqual({
      kind: 'refresh',
      why: 'the download URL for job 42 answered HTTP 403 (expired)',
      tally: { refreshes: 1, dropRetries: 0 },
    });
  });

  it('refreshes a short-lived URL without touching the drop allowance', () => {
    expect(afterSetback({ kind: 'short-lived', why: 'too soon' }, { refreshes: 1, dropRetries: 1 }, limits, JOB_ID)).toEqual({
      kind: 'refresh',
      why: 'too soon',
      tally: { refreshes: 2, dropRetries: 1 },
    });
  });

  it('DownloadUrlExpired once the refreshes are spent', () => {
    const next = afterSetback({ kind: 'expired', status: 410 }, { refreshes: 2, dropRetries: 0 }, limits, JOB_ID);
    expect(next.kind === 'give-up' && next.error).toMatchObject({
      name: ERROR_NAMES.urlExpired,
      message: 'No usable download URL for job 42 after 2 refresh(es): the download URL for job 42 answered HTTP 410 (expired)',
    });
  });

  it('retries a dropped connection, then TruncatedDownload', () => {
    const first = afterSetback({ kind: 'dropped', reason: 'cut' }, NOTHING_SPENT, limits, JOB_ID);
    expect(first).toEqual({ kind: 'retry', reason: 'cut', tally: { refreshes: 0, dropRetries: 1 } });
    const second = afterSetback({ kind: 'dropped', reason: 'cut again' }, { refreshes: 0, dropRetries: 1 }, limits, JOB_ID);
    expect(second.kind === 'give-up' && second.error).toMatchObject({
      name: ERROR_NAMES.truncated,
      message: 'The download for job 42 ended early 2 time(s): cut again',
    });
  });
});
