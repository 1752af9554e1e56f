import type { ExportTask } from '../../lambdas/shared/contract/state';
import { LinkedInAuthError } from '../../lambdas/shared/linkedin/errors';
import { assignAuthorizations, pairAuthorization } from '../../lambdas/shared/tokens/assign';
import { type Authorization, DAY_MS } from '../../lambdas/shared/tokens/authorization';
import { authorizePlan } from '../../lambdas/shared/tokens/plan-authorizations';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const A = 'urn:li:contract:1';
const B = 'urn:li:contract:2';
const C = 'urn:li:contract:3';
const WINDOW = { startAt: NOW - 2 * DAY_MS, endAt: NOW - DAY_MS };

const task = (contract: string): ExportTask => plannedTask('activity', contract, [WINDOW]);
const place = (name: string) => `place of ${name}`;
const live = (name: string, contracts?: string[]): Authorization => ({
  name,
  accessToken: `token-of-${name}`,
  expiresAt: NOW + 30 * DAY_MS,
  ...(contracts && { contracts }),
});

describe('assignAuthorizations', () => {
  it('a named authorization covering the contract wins; the default takes the rest; without a default they are uncovered', () => {
    // Act
    const withDefault = assignAuthorizations([A, B, C], [live('default'), live('acme', [A]), live('globex', [A, B])]);
    const withoutDefault = assignAuthorizations([A, C], [live('acme', [A])]);
    // Assess
    expect([...withDefault.byContract]).toEqual([
      [A, 'acme'],
      [B, 'globex'],
      [C, 'default'],
    ]);
    expect(withoutDefault.uncovered).toEqual([C]);
  });
});

describe('authorizePlan', () => {
  it('names the authorization on each pair it is not the default for', () => {
    // Act
    const plan = authorizePlan([task(A), task(B)], [live('default'), live('acme', [A])], NOW, place);
    // Assess
    expect(plan.tasks.map(pairAuthorization)).toEqual(['acme', 'default']);
    expect(plan.tasks[1]).not.toHaveProperty('authorization');
    expect(plan.used.map((used) => used.name)).toEqual(['acme', 'default']);
  });

  it('ends the run as LinkedInAuthError, before any job, when its only authorization expired', () => {
    // Prepare
    const expired = { ...live('default'), expiresAt: NOW - 3 * DAY_MS };
    // Act
    const act = () => authorizePlan([task(A), task(B)], [expired], NOW, place);
    // Assess
    expect(act).toThrow(LinkedInAuthError);
    expect(act).toThrow(
      "The LinkedIn authorization's access token expired on 2026-11-28: run npm run cli -- authorize (docs/tokens.md); no job was created",
    );
  });

  it('ends the run as "never put" when there is no authorization at all', () => {
    expect(() => authorizePlan([task(A)], [], NOW, place)).toThrow(
      'The LinkedIn authorization was never put (place of default has no value)',
    );
  });

  it("goes on with the usable authorizations when one customer's expired, and says whose pairs will fail", () => {
    // Prepare
    const expired = { ...live('acme', [A]), expiresAt: NOW - DAY_MS };
    // Act
    const plan = authorizePlan([task(A), task(B)], [live('default'), expired], NOW, place);
    // Assess
    expect(plan.unusable).toEqual([
      expect.objectContaining({ name: 'acme', pairs: 1, problem: expect.objectContaining({ reason: 'expired' }) }),
    ]);
    expect(plan.tasks.map(pairAuthorization)).toEqual(['acme', 'default']);
  });

  it('a plan without pairs needs no authorization', () => {
    expect(authorizePlan([], [], NOW, place).tasks).toEqual([]);
  });
});
