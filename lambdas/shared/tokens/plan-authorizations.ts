/**
 * The Plan's part of the token lifecycle (docs/tokens.md): give every pair the authorization
 * covering its contract, and end the run as `LinkedInAuthError` before any job is created when no
 * pair has a usable one. A run whose pairs use several authorizations goes on with the usable
 * ones: one customer's expired token must not stop every other customer's export; its pairs
 * fail by name at "Create export job", before their POST.
 */
import type { ExportTask } from '../contract/state';
import { LinkedInAuthError } from '../linkedin/errors';
import { assignAuthorizations } from './assign';
import {
  type Authorization,
  type AuthorizationSummary,
  assessAuthorization,
  DEFAULT_AUTHORIZATION,
  missingAuthorization,
  summarizeAuthorization,
  type Unusable,
} from './authorization';

export interface AuthorizedPlan {
  readonly tasks: ExportTask[];
  /** The authorizations the run uses, soonest to expire first: the run log's figures. */
  readonly used: AuthorizationSummary[];
  /** Authorizations the run uses that cannot be used now: their pairs will fail. */
  readonly unusable: Array<{ name: string; problem: Unusable; pairs: number }>;
  /** Contracts no authorization covers. */
  readonly uncovered: readonly string[];
}

const soonestFirst = (a: AuthorizationSummary, b: AuthorizationSummary): number =>
  (a.tokenDaysRemaining ?? Number.POSITIVE_INFINITY) - (b.tokenDaysRemaining ?? Number.POSITIVE_INFINITY);

/**
 * @param authorizations every authorization there is (the default first when it has a value)
 * @param place where an authorization of this name is kept, for the "never put" message
 * @throws LinkedInAuthError when there are pairs and none of them has a usable authorization
 */
export const authorizePlan = (
  tasks: readonly ExportTask[],
  authorizations: readonly Authorization[],
  now: number,
  place: (name: string) => string,
): AuthorizedPlan => {
  const { byContract, uncovered } = assignAuthorizations([...new Set(tasks.map((task) => task.contract))], authorizations);
  const byName = new Map(authorizations.map((authorization) => [authorization.name, authorization]));
  const problems = new Map<string, Unusable>();
  const pairsOf = new Map<string, number>();
  const assigned = tasks.map((task) => {
    const name = byContract.get(task.contract) ?? DEFAULT_AUTHORIZATION;
    pairsOf.set(name, (pairsOf.get(name) ?? 0) + 1);
    if (!problems.has(name)) {
      const authorization = byName.get(name);
      const problem = authorization ? assessAuthorization(authorization, now) : missingAuthorization(name, place(name));
      if (problem) problems.set(name, problem);
    }
    // The default stays implicit, so a single-authorization run's items are what they always were.
    const { authorization: _previous, ...rest } = task;
    return name === DEFAULT_AUTHORIZATION ? rest : { ...rest, authorization: name };
  });
  const unusable = [...problems].map(([name, problem]) => ({ name, problem, pairs: pairsOf.get(name) ?? 0 }));
  if (assigned.length > 0 && unusable.length === pairsOf.size) {
    const [first] = unusable;
    const others = unusable.length > 1 ? ` (and ${unusable.length - 1} more authorization(s) of this run)` : '';
    throw new LinkedInAuthError(
      { authorization: first?.name },
      `${first?.problem.message.replace(/\.$/, '')}${others}; no job was created`,
    );
  }
  const used = [...pairsOf.keys()]
    .flatMap((name) => {
      const authorization = byName.get(name);
      return authorization ? [summarizeAuthorization(authorization, now)] : [];
    })
    .sort(soonestFirst);
  return { tasks: assigned, used, unusable, uncovered };
};
