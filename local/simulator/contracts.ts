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

/** Generated contract number k is `urn:li:contract:<GENERATED_CONTRACT_BASE + k>` (clear of the samples and manyContracts). */
export const GENERATED_CONTRACT_BASE = 5_000_000;

/** The URN of generated contract number `k` (0-based). */
export const generatedContractUrn = (k: number): string => `urn:li:contract:${GENERATED_CONTRACT_BASE + k}`;

/** Generated contracts: all listed with reporting access, some of them 403 on job creation. */
export interface GeneratedContracts {
  /** `count + forbiddenCount` contracts in finder order, every one `hasReportingAccess: true`. */
  contracts: SalesContract[];
  /** The `forbiddenCount` URNs among them whose job creation answers 403 (no reporting role after all). */
  forbidden: string[];
}

/**
 * `count` contracts that export and `forbiddenCount` more that the finder lists with
 * `hasReportingAccess: true` but whose job creation answers 403, as when the member's reporting
 * role is missing. Pure and deterministic: URNs are {@link generatedContractUrn}(0…total-1),
 * and the forbidden ones are spread evenly through the list (contract k is forbidden when
 * ⌊(k+1)·F/T⌋ > ⌊k·F/T⌋), so exactly `forbiddenCount` of them, e.g. 5 % with 950 + 50.
 */
export const generateContracts = (count: number, forbiddenCount = 0): GeneratedContracts => {
  for (const [name, value] of [
    ['contractCount', count],
    ['forbiddenContractCount', forbiddenCount],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
  }
  const total = count + forbiddenCount;
  const contracts: SalesContract[] = [];
  const forbidden: string[] = [];
  for (let k = 0; k < total; k++) {
    const contract = generatedContractUrn(k);
    const isForbidden = Math.floor(((k + 1) * forbiddenCount) / total) > Math.floor((k * forbiddenCount) / total);
    if (isForbidden) forbidden.push(contract);
    contracts.push({
      contract,
      name: `Generated Team ${k + 1}`,
      description: isForbidden ? `Generated contract ${k + 1} (the member's reporting role is missing)` : `Generated contract ${k + 1}`,
      hasReportingAccess: true,
    });
  }
  return { contracts, forbidden };
};

/** LinkedIn's generic paging defaults (start 0, count 10). */
export const DEFAULT_PAGE_SIZE = 10;

/**
 * One page of a finder response: `elements` + `paging {count, start, links}`; no `total`, as in
 * the docs' sample, unless `withTotal`. O(count): a slice of the list.
 */
export const contractsPage = (contracts: readonly SalesContract[], start: number, count: number, withTotal = false) => ({
  elements: contracts.slice(start, start + count),
  paging: { count, start, links: [] as unknown[], ...(withTotal ? { total: contracts.length } : {}) },
});
