/** The contracts a run without explicit contracts exports when discovery is on (lambdas/shared/workflow/discover.ts). */
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { mergeDiscoveredContracts } from '../../lambdas/shared/workflow/discover';

const urn = (n: number): string => `urn:li:contract:${n}`;
const reporting = (n: number) => ({ contract: urn(n), hasReportingAccess: true });

describe('mergeDiscoveredContracts', () => {
  it('the configured contracts first, in their order, then the reporting contracts the finder lists', () => {
    expect(mergeDiscoveredContracts([urn(9), urn(3)], [reporting(1), reporting(2)])).toEqual([urn(9), urn(3), urn(1), urn(2)]);
  });

  it('lists a contract both configured and discovered once, where it is configured', () => {
    expect(mergeDiscoveredContracts([urn(2), urn(5)], [reporting(1), reporting(2), reporting(1), reporting(5)])).toEqual([
      urn(2),
      urn(5),
      urn(1),
    ]);
  });

  it('skips contracts without reporting access (false, null or not said)', () => {
    expect(
      mergeDiscoveredContracts(
        [],
        [
          reporting(1),
          { contract: urn(2), hasReportingAccess: false },
          { contract: urn(3), hasReportingAccess: null },
          { contract: urn(4) },
        ],
      ),
    ).toEqual([urn(1)]);
  });

  it('keeps a configured contract the finder does not list, or lists without reporting access', () => {
    expect(mergeDiscoveredContracts([urn(7)], [{ contract: urn(7), hasReportingAccess: false }])).toEqual([urn(7)]);
  });

  it.each<[string, Array<{ contract: string; hasReportingAccess?: boolean | null }>, string]>([
    ['the finder lists nothing', [], 'None of the 0 contract(s)'],
    [
      'no listed contract has reporting access',
      [{ contract: urn(1), hasReportingAccess: false }, { contract: urn(2) }],
      'None of the 2 contract(s)',
    ],
  ])('none configured and %s: LinkedInForbidden saying what to do', (_case, listed, count) => {
    expect(() => mergeDiscoveredContracts([], listed)).toThrow(
      expect.objectContaining({
        name: ERROR_NAMES.forbidden,
        message:
          `${count} LinkedIn lists for the token has reporting access, and none is configured: ` +
          "the token must be a reporting user's, or name contracts in the input or cdk.json.",
      }),
    );
  });
});
