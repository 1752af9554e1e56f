/**
 * Which authorization each contract's pairs use (docs/tokens.md, "Many authorizations"): the
 * named authorization whose contracts (LinkedIn's finder under its token) include the contract,
 * else the default one. Pure: the Plan reads the authorizations, this decides.
 */
import { type Authorization, assessAuthorization, DEFAULT_AUTHORIZATION, type Unusable } from './authorization';

export interface AuthorizationAssignment {
  /** contract URN → authorization name; a contract no authorization covers is absent. */
  readonly byContract: ReadonlyMap<string, string>;
  /** Contracts no authorization covers (there is no default, and no named one lists them). */
  readonly uncovered: readonly string[];
}

/**
 * @param authorizations every authorization (the default one first when it exists)
 */
export const assignAuthorizations = (contracts: readonly string[], authorizations: readonly Authorization[]): AuthorizationAssignment => {
  const covering = new Map<string, string>();
  // Named first in their listed order: when two list a contract, the first keeps it, so a
  // re-authorization under another name does not move a contract back and forth between runs.
  for (const authorization of authorizations) {
    if (authorization.name === DEFAULT_AUTHORIZATION) continue;
    for (const contract of authorization.contracts ?? []) if (!covering.has(contract)) covering.set(contract, authorization.name);
  }
  const hasDefault = authorizations.some((authorization) => authorization.name === DEFAULT_AUTHORIZATION);
  const byContract = new Map<string, string>();
  const uncovered: string[] = [];
  for (const contract of contracts) {
    const name = covering.get(contract) ?? (hasDefault ? DEFAULT_AUTHORIZATION : undefined);
    if (name === undefined) uncovered.push(contract);
    else byContract.set(contract, name);
  }
  return { byContract, uncovered };
};

/** The contracts the named authorizations cover, for a run that discovers its contracts. */
export const namedContracts = (authorizations: readonly Authorization[]): string[] => [
  ...new Set(authorizations.filter((authorization) => authorization.name !== DEFAULT_AUTHORIZATION).flatMap((a) => a.contracts ?? [])),
];

/** The authorizations among `names` that cannot be used at `now`, with why. */
export const unusableAuthorizations = (
  authorizations: readonly Authorization[],
  names: ReadonlySet<string>,
  now: number,
): Array<{ name: string; problem: Unusable }> =>
  authorizations.flatMap((authorization) => {
    if (!names.has(authorization.name)) return [];
    const problem = assessAuthorization(authorization, now);
    return problem ? [{ name: authorization.name, problem }] : [];
  });

/** The authorization a pair uses: the one it names, else the default. */
export const pairAuthorization = (pair: { readonly authorization?: string }): string => pair.authorization ?? DEFAULT_AUTHORIZATION;
