/**
 * What the hourly token check publishes and logs (lambdas/shared/tokens/token-report.ts), from
 * authorizations summarized as the handler summarizes them: the smallest figures, the soonest to
 * expire under their name (bounded), the counts, and one warning per authorization that needs an
 * operator, capped, with the command that fixes it. No token ever reaches the report.
 */
import { type Authorization, DAY_MS, summarizeAuthorization } from '../../lambdas/shared/tokens/authorization';
import { DIMENSIONED_AUTHORIZATIONS } from '../../lambdas/shared/contract/token-metrics';
import { MAX_AUTHORIZATION_WARNINGS, tokenReport } from '../../lambdas/shared/tokens/token-report';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const THRESHOLDS = { TOKEN_ALARM_DAYS: 14, REFRESH_TOKEN_ALARM_DAYS: 30 };

/** An authorization whose access token has `tokenDays` left and, unless null, a refresh token with `refreshDays`. */
const authorization = (
  name: string,
  tokenDays: number,
  refreshDays: number | null = 300,
  over: Partial<Authorization> = {},
): Authorization => ({
  name,
  accessToken: `AQV-access-${name}-0123456789abcdef`,
  expiresAt: NOW + tokenDays * DAY_MS + 3_600_000,
  ...(refreshDays !== null && {
    refreshToken: `AQX-refresh-${name}-0123456789abcdef`,
    refreshTokenExpiresAt: NOW + refreshDays * DAY_MS + 3_600_000,
  }),
  ...over,
});

const report = (authorizations: Authorization[], unreadable: Array<{ name: string; message: string }> = []) =>
  tokenReport(
    authorizations.map((a) => summarizeAuthorization(a, NOW)),
    unreadable,
    THRESHOLDS,
  );

const everyToken = (authorizations: Authorization[]): string[] =>
  authorizations.flatMap((a) => [a.accessToken, ...(a.refreshToken ? [a.refreshToken] : [])]);

describe('figures', () => {
  it('publishes the smallest of each figure over every authorization, and each one’s figures under its name', async () => {
    // Prepare
    const authorizations = [authorization('default', 40, null), authorization('acme', 25, 200), authorization('globex', 50, 35)];
    // Act
    const published = report(authorizations);
    // Assess: the smallest access-token figure is acme's, the smallest refresh-token figure globex's.
    expect(published.overall).toEqual({ tokenDaysRemaining: 25, refreshTokenDaysRemaining: 35 });
    // Soonest first by the smaller of the two figures: acme 25, globex 35, default 40.
    expect(published.dimensioned).toEqual([
      { name: 'acme', tokenDaysRemaining: 25, refreshTokenDaysRemaining: 200 },
      { name: 'globex', tokenDaysRemaining: 50, refreshTokenDaysRemaining: 35 },
      { name: 'default', tokenDaysRemaining: 40 },
    ]);
    expect(published).toMatchObject({ checked: 3, unusable: 0, unknownExpiry: 0, warnings: [] });
  });

  it(`names only the ${DIMENSIONED_AUTHORIZATIONS} soonest to expire of 150 (ties by name), while the smallest covers all`, () => {
    // Prepare: customer-000 has 30 days, customer-001 31…; customer-149 has the smallest refresh figure of all.
    const authorizations = Array.from({ length: 150 }, (_, k) =>
      authorization(`customer-${String(k).padStart(3, '0')}`, 30 + (k % 120), k === 149 ? 31 : 300),
    );
    // Act
    const published = report(authorizations);
    // Assess
    expect(published.dimensioned).toHaveLength(DIMENSIONED_AUTHORIZATIONS);
    expect(published.dimensioned.slice(0, 4).map((figures) => figures.name)).toEqual([
      'customer-000',
      'customer-120',
      'customer-001',
      'customer-121',
    ]);
    expect(published.dimensioned.map((figures) => figures.name)).toContain('customer-149');
    expect(published.overall).toEqual({ tokenDaysRemaining: 30, refreshTokenDaysRemaining: 31 });
    expect(published.checked).toBe(150);
  });

  it('leaves a figure out when nobody has it (a plain token): absent, not 0', () => {
    // Prepare
    const plain: Authorization = { name: 'default', accessToken: 'AQV-plain-secret-token-0123456789' };
    // Act
    const published = report([plain]);
    // Assess
    expect(published.overall).toEqual({});
    expect(published.dimensioned).toEqual([]);
    expect(published).toMatchObject({ checked: 1, unusable: 0, unknownExpiry: 1 });
  });

  it('counts expired, revoked and unreadable authorizations as unusable, and every one as checked', () => {
    // Prepare
    const authorizations = [
      authorization('fine', 40),
      authorization('expired', -2, null),
      authorization('revoked', 30, 300, { revokedAt: NOW - DAY_MS }),
    ];
    // Act
    const published = report(authorizations, [{ name: 'broken', message: 's3://tokens/authorizations/broken.json is not valid JSON' }]);
    // Assess
    expect(published).toMatchObject({ checked: 4, unusable: 3 });
    expect(published.overall.tokenDaysRemaining).toBe(-2);
  });
});

describe('warnings', () => {
  it('name the authorization, the days left, the day, and the command that fixes it (with --name unless default)', () => {
    // Prepare: acme's access token is one day under the alarm threshold and cannot be refreshed;
    // the default's refresh token is under its threshold.
    const authorizations = [authorization('acme', 13, null), authorization('default', 40, 29), authorization('fine', 14, 30)];
    // Act
    const { warnings } = report(authorizations);
    // Assess: "fine" is exactly at both thresholds, which is not under them.
    expect(warnings).toEqual([
      {
        message:
          'LinkedIn authorization "acme" needs attention: its access token expires in 13 days, on 2026-12-14. ' +
          'Run npm run cli -- authorize --name acme (docs/tokens.md).',
        attributes: {
          authorization: 'acme',
          tokenDaysRemaining: 13,
          expiresAt: '2026-12-14T13:00:00.000Z',
          refreshTokenDaysRemaining: null,
          refreshTokenExpiresAt: null,
          command: 'npm run cli -- authorize --name acme',
        },
      },
      {
        message:
          'The default LinkedIn authorization (the token secret) needs attention: its refresh token expires in 29 days, on 2026-12-30, ' +
          'after which only the member authorizing again renews it. Run npm run cli -- authorize (docs/tokens.md).',
        attributes: {
          authorization: 'default',
          tokenDaysRemaining: 40,
          expiresAt: '2027-01-10T13:00:00.000Z',
          refreshTokenDaysRemaining: 29,
          refreshTokenExpiresAt: '2026-12-30T13:00:00.000Z',
          command: 'npm run cli -- authorize',
        },
      },
    ]);
  });

  it('say a refreshable token this close to its end is one whose refresh keeps failing', () => {
    // Act
    const { warnings } = report([authorization('acme', 10, 200)]);
    // Assess
    expect(warnings[0]?.message).toContain(
      'its access token expires in 10 days, on 2026-12-11 (its refresh has not succeeded: see TokenRefreshFailed)',
    );
  });

  it('come unusable first (unreadable, expired, revoked), then the soonest to expire', () => {
    // Prepare
    const authorizations = [
      authorization('later', 12, null),
      authorization('sooner', 3, null),
      authorization('expired', -1, null),
      authorization('revoked', 40, 300, { revokedAt: NOW - DAY_MS }),
    ];
    // Act
    const { warnings } = report(authorizations, [{ name: 'broken', message: 's3://tokens/authorizations/broken.json is empty' }]);
    // Assess
    expect(warnings.map((warning) => warning.attributes.authorization)).toEqual(['broken', 'expired', 'revoked', 'sooner', 'later']);
    expect(warnings[0]?.message).toBe(
      'LinkedIn authorization "broken" cannot be read: s3://tokens/authorizations/broken.json is empty. ' +
        'Run npm run cli -- authorize --name broken (docs/tokens.md).',
    );
    expect(warnings[1]?.message).toContain('its access token expired on 2026-11-30');
    expect(warnings[2]?.message).toContain('LinkedIn said it was revoked');
  });

  it(`stop at ${MAX_AUTHORIZATION_WARNINGS} authorizations and count the rest in one line`, () => {
    // Prepare
    const authorizations = Array.from({ length: 57 }, (_, k) => authorization(`customer-${String(k).padStart(2, '0')}`, 5, null));
    // Act
    const { warnings } = report(authorizations);
    // Assess
    expect(warnings).toHaveLength(MAX_AUTHORIZATION_WARNINGS + 1);
    expect(warnings[MAX_AUTHORIZATION_WARNINGS]).toEqual({
      message:
        '37 more authorization(s) need attention (the first 20 are above): the TokenDaysRemaining and RefreshTokenDaysRemaining ' +
        'metrics name the 100 soonest to expire (docs/tokens.md).',
      attributes: { more: 37 },
    });
  });

  it('say once per run that a plain token’s expiry is unknown, naming whose', () => {
    // Prepare
    const authorizations: Authorization[] = [
      { name: 'default', accessToken: 'AQV-plain-default-0123456789' },
      { name: 'pasted', accessToken: 'AQV-plain-pasted-0123456789' },
      authorization('fine', 40),
    ];
    // Act
    const { warnings, unknownExpiry } = report(authorizations);
    // Assess
    expect(unknownExpiry).toBe(2);
    expect(warnings).toEqual([
      {
        message:
          '2 authorization(s) have an access token whose expiry is unknown (a plain token): no warning will come before it expires; ' +
          'authorize to store its expiry: npm run cli -- authorize, npm run cli -- authorize --name pasted (docs/tokens.md).',
        attributes: { expiryUnknown: 2, authorizations: ['default', 'pasted'] },
      },
    ]);
  });

  it('never carry a token, whatever state the authorizations are in', () => {
    // Prepare
    const authorizations = [
      authorization('a', 2, 10),
      authorization('b', -5, 20),
      authorization('c', 40, 300, { revokedAt: NOW }),
      { name: 'd', accessToken: 'AQV-plain-d-0123456789abcdef' },
      ...Array.from({ length: 30 }, (_, k) => authorization(`many-${k}`, 1, 1)),
    ];
    // Act
    const published = JSON.stringify(report(authorizations));
    // Assess
    for (const token of everyToken(authorizations)) expect(published).not.toContain(token);
  });
});
