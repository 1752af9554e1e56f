import {
  assessAuthorization,
  type Authorization,
  DAY_MS,
  daysRemaining,
  maskToken,
  needsRefresh,
  parseAuthorization,
  serializeAuthorization,
  summarizeAuthorization,
} from '../../lambdas/shared/tokens/authorization';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const TOKEN = `AQV${'x'.repeat(400)}`;
const REFRESH = `AQR${'y'.repeat(400)}`;

const full: Authorization = {
  name: 'acme',
  accessToken: TOKEN,
  expiresAt: NOW + 60 * DAY_MS,
  refreshToken: REFRESH,
  refreshTokenExpiresAt: NOW + 365 * DAY_MS,
  scope: 'r_sales_nav_analytics',
  authorizedAt: NOW,
  contracts: ['urn:li:contract:1'],
};

describe('stored authorizations', () => {
  it('round-trips through the stored JSON, dates as ISO 8601', () => {
    // Act
    const text = serializeAuthorization(full);
    // Assess
    expect(JSON.parse(text).expiresAt).toBe('2027-01-30T12:00:00.000Z');
    expect(parseAuthorization(text, 'acme', 'the object')).toEqual(full);
  });

  it("reads today's plain-string secret as a token of unknown expiry", () => {
    expect(parseAuthorization(`  ${TOKEN}\n`, 'default', 'the secret')).toEqual({ name: 'default', accessToken: TOKEN });
  });

  it('takes the name it is stored under, not the one written inside', () => {
    expect(parseAuthorization(serializeAuthorization(full), 'renamed', 'the object').name).toBe('renamed');
  });
});

describe('assessAuthorization', () => {
  it('usable until the instant it expires', () => {
    expect(assessAuthorization(full, NOW)).toBeUndefined();
    expect(assessAuthorization({ ...full, expiresAt: NOW }, NOW)?.reason).toBe('expired');
  });

  it('an expired token without a refresh token: authorize again', () => {
    const problem = assessAuthorization({ name: 'default', accessToken: TOKEN, expiresAt: NOW - DAY_MS }, NOW);
    expect(problem?.message).toBe(
      "The LinkedIn authorization's access token expired on 2026-11-30: run npm run cli -- authorize (docs/tokens.md).",
    );
  });

  it('an expired token whose refresh token still lives: the refresh did not happen, see its alarm', () => {
    const problem = assessAuthorization({ ...full, expiresAt: NOW - DAY_MS }, NOW);
    expect(problem?.message).toContain('its refresh did not happen in time (see the TokenRefreshFailed alarm)');
    expect(problem?.message).toContain('npm run cli -- authorize --name acme');
  });

  it('revoked wins over everything else', () => {
    expect(assessAuthorization({ ...full, revokedAt: NOW - DAY_MS }, NOW)?.reason).toBe('revoked');
  });
});

describe('needsRefresh', () => {
  it('refreshes at the configured days left, never without a live refresh token', () => {
    expect(needsRefresh({ ...full, expiresAt: NOW + 22 * DAY_MS }, NOW, 21)).toBe(false);
    expect(needsRefresh({ ...full, expiresAt: NOW + 21 * DAY_MS }, NOW, 21)).toBe(true);
    expect(needsRefresh({ ...full, expiresAt: NOW - DAY_MS }, NOW, 21)).toBe(true);
    expect(needsRefresh({ ...full, refreshToken: undefined, expiresAt: NOW }, NOW, 21)).toBe(false);
    expect(needsRefresh({ ...full, refreshTokenExpiresAt: NOW, expiresAt: NOW }, NOW, 21)).toBe(false);
    expect(needsRefresh({ ...full, revokedAt: NOW, expiresAt: NOW }, NOW, 21)).toBe(false);
  });
});

describe('what operators see', () => {
  it('days left round down, and are negative once past', () => {
    expect(daysRemaining(NOW + 14 * DAY_MS - 1, NOW)).toBe(13);
    expect(daysRemaining(NOW - 1, NOW)).toBe(-1);
    expect(daysRemaining(undefined, NOW)).toBeUndefined();
  });

  it('a summary carries figures and a masked prefix, never a token', () => {
    // Act
    const summary = summarizeAuthorization(full, NOW);
    // Assess
    expect(summary).toMatchObject({
      name: 'acme',
      tokenDaysRemaining: 60,
      refreshTokenDaysRemaining: 365,
      refreshable: true,
      contracts: 1,
    });
    expect(JSON.stringify(summary)).not.toContain(TOKEN.slice(0, 20));
    expect(JSON.stringify(summary)).not.toContain(REFRESH.slice(0, 20));
    expect(maskToken(TOKEN)).toBe('AQVxxx…');
    expect(maskToken('abc')).toBe('…');
  });
});
