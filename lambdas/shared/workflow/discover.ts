/**
 * The contracts a run exports when the input names none: the configured ones, then every contract
 * on which the token has reporting access, as LinkedIn's contracts finder lists them (a partner
 * does not hand-edit 10,000 URNs). docs/linkedin-api.md §4 describes the finder.
 */
import { ERROR_NAMES, NamedError } from '../contract/error-names';

export interface ListedContract {
  contract: string;
  hasReportingAccess?: boolean | null;
}

/**
 * The configured contracts first, in their order, then the reporting contracts the finder listed
 * that are not configured.
 *
 * @throws NamedError `LinkedInForbidden` when the result is empty: the token sees no contract it may report on
 */
export const mergeDiscoveredContracts = (configured: readonly string[], listed: readonly ListedContract[]): string[] => {
  const merged = [...new Set(configured)];
  const seen = new Set(merged);
  for (const { contract, hasReportingAccess } of listed) {
    if (hasReportingAccess !== true || seen.has(contract)) continue;
    seen.add(contract);
    merged.push(contract);
  }
  if (merged.length === 0) {
    throw new NamedError(
      ERROR_NAMES.forbidden,
      `None of the ${listed.length} contract(s) LinkedIn lists for the token has reporting access, and none is configured: ` +
        "the token must be a reporting user's, or name contracts in the input or cdk.json.",
    );
  }
  return merged;
};
