/**
 * The member's Sales Navigator contracts (`GET /v2/salesContracts?q=contractsByMember`).
 */

/** A contract as LinkedIn lists it (docs/linkedin-api.md §4.1). */
export interface SalesContract {
  contract: string;
  name: string;
  description?: string;
  hasReportingAccess: boolean;
}

/** LinkedIn's documented sample: one contract with reporting access, one without. */
export const DEFAULT_CONTRACTS: readonly SalesContract[] = [
  {
    contract: 'urn:li:contract:123456',
    name: 'North America Sales Team',
    description: 'Advanced Plus contract of the North America sales organisation',
    hasReportingAccess: true,
  },
  {
    contract: 'urn:li:contract:1234560',
    name: 'EMEA Sales-EnterpriseLicense',
    description: 'A contract on which this member has no reporting role',
    hasReportingAccess: false,
  },
];

/** `n` generated contracts (every third without reporting access), for paging tests. */
export const manyContracts = (n: number): SalesContract[] =>
  Array.from({ length: n }, (_, k) => ({
    contract: `urn:li:contract:${900_000 + k}`,
    name: `Generated Team ${k + 1}`,
    description: k % 2 === 0 ? `Generated contract number ${k + 1}` : undefined,
    hasReportingAccess: k % 3 !== 2,
  }));

/** LinkedIn's generic paging defaults (start 0, count 10). */
export const DEFAULT_PAGE_SIZE = 10;

/** One page of a finder response: `elements` + `paging {count, start, links}` (no `total`, as in the docs' sample). */
export const contractsPage = (contracts: readonly SalesContract[], start: number, count: number) => ({
  elements: contracts.slice(start, start + count),
  paging: { count, start, links: [] as unknown[] },
});
