/**
 * The contracts an authorization covers: those LinkedIn's contracts finder lists with reporting
 * access under its token (docs/linkedin-api.md §4.1), as the run's discovery counts them
 * (lambdas/shared/workflow/discover.ts). Stored with the authorization so a run knows which
 * authorization exports which contract (docs/tokens.md).
 */
import { LinkedInAuthError } from '../../lambdas/shared/linkedin/errors';
import type { ListedContract } from '../../lambdas/shared/workflow/discover';
import { AuthorizeError } from './errors';

/** Runs LinkedIn's contracts finder under `accessToken`. */
export type ContractsFinder = (accessToken: string) => Promise<readonly ListedContract[]>;

/** The URNs with reporting access, in the finder's order, each once. */
export const reportingContracts = (listed: readonly ListedContract[]): string[] => [
  ...new Set(listed.filter((contract) => contract.hasReportingAccess === true).map((contract) => contract.contract)),
];

export interface ContractsLookup {
  /** Undefined when the finder could not be asked: the record then says "not looked up". */
  readonly contracts?: string[];
  readonly warning?: string;
}

/**
 * Asks the finder. A token LinkedIn's API rejects (401) is refused: storing it would only make the
 * next run fail. Any other failure (a 5xx, a timeout) keeps the token, which LinkedIn just gave
 * and which the member would otherwise have to authorize again for, and warns instead.
 *
 * @throws AuthorizeError when LinkedIn's API rejects the token
 */
export const lookUpContracts = async (findContracts: ContractsFinder, accessToken: string): Promise<ContractsLookup> => {
  let listed: readonly ListedContract[];
  try {
    listed = await findContracts(accessToken);
  } catch (error) {
    if (error instanceof LinkedInAuthError) {
      throw new AuthorizeError(
        `LinkedIn's API rejected the token (contracts finder): ${error.message.replace(/\s+/g, ' ')}; nothing stored`,
        {
          cause: error,
        },
      );
    }
    return {
      warning:
        `could not list the contracts the token covers (${(error as Error).message.replace(/\s+/g, ' ')}): ` +
        'stored without them (the default authorization then covers every contract; a named one covers none until this command runs again)',
    };
  }
  const contracts = reportingContracts(listed);
  return {
    contracts,
    ...(contracts.length === 0 && {
      warning:
        `LinkedIn lists ${listed.length} contract(s) for this member and none with reporting access: exports under this ` +
        'authorization fail with LinkedInForbidden until the member has the reporting or admin role on a contract',
    }),
  };
};
