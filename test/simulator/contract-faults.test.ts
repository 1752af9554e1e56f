/**
 * Partner scale in the simulator: generated contracts (some of them 403 on job creation), finder
 * paging over them, and the contract-targeted faults (forbiddenContracts, unauthorized,
 * failingPairs, latency) with the pure predicates a benchmark computes its expectations from.
 */
import { EXPORT_ACTIONS, EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import {
  DEFAULT_CONTRACTS,
  type FailingPairs,
  GENERATED_CONTRACT_BASE,
  generateContracts,
  generatedContractUrn,
  isFailingPair,
  manyContracts,
  pairHash,
  parseFaults,
  startSimulator,
  type Simulator,
} from '../../local/simulator';
import { api, CONTRACT, create, createId, jobBody, WINDOW } from './helpers';

interface ContractsPage {
  elements: { contract: string; hasReportingAccess: boolean }[];
  paging: { start: number; count: number; total?: number };
}

const page = async (sim: Simulator, start: number, count: number): Promise<ContractsPage> => {
  const res = await api(sim, `/salesContracts?q=contractsByMember&start=${start}&count=${count}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ContractsPage;
};

const createFor = (sim: Simulator, contract: string, exportType: ExportType = 'activity') =>
  create(sim, { contract, ...WINDOW }, EXPORT_ACTIONS[exportType]);

/** Runs `work` over `items` with at most `limit` in flight. */
const inParallel = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

describe('generated contracts', () => {
  it('generateContracts is pure and exact: URNs in order, the forbidden share spread evenly', () => {
    const { contracts, forbidden } = generateContracts(950, 50);
    expect(contracts).toHaveLength(1_000);
    expect(contracts.map((c) => c.contract)).toEqual(
      Array.from({ length: 1_000 }, (_, k) => `urn:li:contract:${GENERATED_CONTRACT_BASE + k}`),
    );
    expect(contracts.every((c) => c.hasReportingAccess)).toBe(true);
    expect(forbidden).toHaveLength(50); // exactly 5 %
    expect(new Set(forbidden).size).toBe(50);
    // One in every 20, not all at the end.
    expect(forbidden.slice(0, 3)).toEqual([generatedContractUrn(19), generatedContractUrn(39), generatedContractUrn(59)]);
    expect(generateContracts(950, 50)).toEqual({ contracts, forbidden });
    expect(generateContracts(0, 0)).toEqual({ contracts: [], forbidden: [] });
    expect(generateContracts(0, 3).forbidden).toHaveLength(3);
    expect(() => generateContracts(-1)).toThrow(/contractCount/);
    expect(() => generateContracts(1, 0.5)).toThrow(/forbiddenContractCount/);
  });

  it('contractCount replaces the sample contracts; explicit contracts come first; duplicates are refused', async () => {
    const generatedOnly = await startSimulator({ contractCount: 3 });
    const both = await startSimulator({ contracts: [...DEFAULT_CONTRACTS], contractCount: 2, forbiddenContractCount: 1 });
    try {
      expect(generatedOnly.contracts.map((c) => c.contract)).toEqual([0, 1, 2].map(generatedContractUrn));
      expect(generatedOnly.forbiddenContracts).toEqual([]);
      expect(both.contracts.map((c) => c.contract)).toEqual([
        ...DEFAULT_CONTRACTS.map((c) => c.contract),
        ...[0, 1, 2].map(generatedContractUrn),
      ]);
      expect(both.forbiddenContracts).toHaveLength(1);
    } finally {
      await generatedOnly.close();
      await both.close();
    }
    await expect(startSimulator({ contracts: [...DEFAULT_CONTRACTS, DEFAULT_CONTRACTS[0]!] })).rejects.toThrow(/twice/);
    await expect(startSimulator({ maxPageSize: 0 })).rejects.toThrow(/maxPageSize/);
  });

  it('the finder pages through 10,000 contracts with start/count; pagingTotal adds paging.total', async () => {
    const sim = await startSimulator({ contractCount: 9_500, forbiddenContractCount: 500, pagingTotal: true });
    try {
      const seen: string[] = [];
      for (let start = 0; ; start += 100) {
        const body = await page(sim, start, 100);
        expect(body.paging).toMatchObject({ start, count: 100, total: 10_000 });
        seen.push(...body.elements.map((element) => element.contract));
        if (body.elements.length < 100) break;
      }
      expect(seen).toEqual(sim.contracts.map((c) => c.contract));
      expect(new Set(seen).size).toBe(10_000);
    } finally {
      await sim.close();
    }
  });

  it('maxPageSize caps a page and says so in paging.count', async () => {
    const sim = await startSimulator({ contracts: manyContracts(12), maxPageSize: 5 });
    try {
      const body = await page(sim, 10, 100);
      expect(body.paging).toEqual({ start: 10, count: 5, links: [] });
      expect(body.elements).toHaveLength(2);
      expect((await page(sim, 0, 3)).paging.count).toBe(3);
    } finally {
      await sim.close();
    }
  });

  it('forbiddenContractCount: listed with reporting access, yet creating a job answers 403 with LinkedIn’s body', async () => {
    const sim = await startSimulator({ contractCount: 19, forbiddenContractCount: 1 });
    try {
      const [forbidden] = sim.forbiddenContracts;
      expect(sim.contracts.find((c) => c.contract === forbidden)?.hasReportingAccess).toBe(true);
      const res = await createFor(sim, forbidden!);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: expect.stringContaining(forbidden!), serviceErrorCode: 100, status: 403 });
      const statuses = await Promise.all(sim.contracts.map(async (c) => (await createFor(sim, c.contract)).status));
      expect(statuses.filter((status) => status === 403)).toHaveLength(1);
      expect(statuses.filter((status) => status === 200)).toHaveLength(19);
    } finally {
      await sim.close();
    }
  });

  it('serves 3,000 creates (1,000 contracts × 3 types), 20 in flight: unique ids, every job on its own lane', async () => {
    const sim = await startSimulator({ contractCount: 1_000, enqueuedMs: 0, processingMs: 0, rows: 1 });
    try {
      const pairs = sim.contracts.flatMap((c) => EXPORT_TYPES.map((exportType) => ({ contract: c.contract, exportType })));
      const ids = await inParallel(pairs, 20, async ({ contract, exportType }) => {
        const res = await createFor(sim, contract, exportType);
        expect(res.status).toBe(200);
        return ((await res.json()) as { value: { id: number } }).value.id;
      });
      expect(new Set(ids).size).toBe(3_000);
      // One job per (contract, action): none waited behind another, so all are done at once.
      expect(sim.jobs().every((job) => job.status === 'COMPLETED')).toBe(true);
      // A sample read back over HTTP.
      expect((await jobBody(sim, ids[2_999]!, pairs[2_999]!.contract)).status).toBe('COMPLETED');
    } finally {
      await sim.close();
    }
  }, 120_000);
});

describe('contract-targeted faults', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ contractCount: 40, enqueuedMs: 0, processingMs: 0, rows: 2 });
  });
  afterEach(() => sim.close());

  it('forbiddenContracts: 403 with LinkedIn’s body for those contracts only, until the fault is lifted', async () => {
    const target = generatedContractUrn(7);
    sim.faults.forbiddenContracts = [target];
    const res = await createFor(sim, target);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      message: `Not enough permissions: no reporting access on contract ${target}`,
      serviceErrorCode: 100,
      status: 403,
    });
    expect((await createFor(sim, generatedContractUrn(8))).status).toBe(200);
    // The finder still lists it with reporting access: the role is checked on the export.
    expect((await page(sim, 0, 10)).elements.find((e) => e.contract === target)?.hasReportingAccess).toBe(true);

    delete sim.faults.forbiddenContracts;
    expect((await createFor(sim, target)).status).toBe(200);
  });

  it.each([
    [true, 'The token used in the request has expired', 65602],
    ['expired', 'The token used in the request has expired', 65602],
    ['revoked', 'The token used in the request has been revoked by the user', 65601],
  ] as const)(
    'unauthorized %p: every API call answers 401 with LinkedIn’s body, the right token notwithstanding',
    async (value, message, code) => {
      const id = await createId(sim, { contract: generatedContractUrn(0), ...WINDOW });
      sim.faults.unauthorized = value;
      const answers = [
        await api(sim, '/salesContracts?q=contractsByMember'),
        await createFor(sim, generatedContractUrn(1)),
        await api(sim, `/salesAnalyticsExportJobs/${id}?contract=${encodeURIComponent(generatedContractUrn(0))}`),
      ];
      for (const res of answers) {
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ message, serviceErrorCode: code, status: 401 });
      }
      expect(sim.jobs()).toHaveLength(1);

      delete sim.faults.unauthorized;
      expect((await api(sim, '/salesContracts?q=contractsByMember')).status).toBe(200);
    },
  );

  it('unauthorized leaves download URLs alone (they do not need the token by default)', async () => {
    const id = await createId(sim, { contract: generatedContractUrn(0), ...WINDOW });
    const job = await jobBody(sim, id, generatedContractUrn(0));
    sim.faults.unauthorized = true;
    expect((await fetch(job.downloadUrl!)).status).toBe(200);
  });

  it('failingPairs with a fraction: exactly the pairs isFailingPair names fail, every time, and re-creations fail too', async () => {
    const fault: FailingPairs = { fraction: 0.2, seed: 3, status: 'FAILED_DUE_TO_INTERNAL_ERROR' };
    sim.faults.failingPairs = fault;
    const pairs = sim.contracts.flatMap((c) => EXPORT_TYPES.map((exportType) => ({ contract: c.contract, exportType })));
    const expected = pairs.filter(({ contract, exportType }) => isFailingPair(fault, contract, exportType));
    // 120 pairs at 20 %: some fail, most do not (the hash is fixed, so this never flakes).
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.length).toBeLessThan(40);

    for (let round = 0; round < 2; round++) {
      const failed: string[] = [];
      for (const { contract, exportType } of pairs) {
        const id = await createId(sim, { contract, ...WINDOW }, EXPORT_ACTIONS[exportType]);
        const { status } = await jobBody(sim, id, contract);
        if (status !== 'COMPLETED') {
          expect(status).toBe('FAILED_DUE_TO_INTERNAL_ERROR');
          failed.push(`${contract}|${exportType}`);
        }
      }
      expect(failed).toEqual(expected.map(({ contract, exportType }) => `${contract}|${exportType}`));
    }
    // Other counted faults are not consumed by a failing pair.
    sim.faults.terminalStatus = { status: 'FAILED_DUE_TO_TIMED_OUT', count: 1 };
    const hit = expected[0]!;
    await createId(sim, { contract: hit.contract, ...WINDOW }, EXPORT_ACTIONS[hit.exportType]);
    expect(sim.faults.terminalStatus).toEqual({ status: 'FAILED_DUE_TO_TIMED_OUT', count: 1 });

    delete sim.faults.failingPairs;
    delete sim.faults.terminalStatus;
    const id = await createId(sim, { contract: hit.contract, ...WINDOW }, EXPORT_ACTIONS[hit.exportType]);
    expect((await jobBody(sim, id, hit.contract)).status).toBe('COMPLETED');
  });

  it('failingPairs narrowed by contracts and export types (product names or LinkedIn actions)', async () => {
    const [a, b] = [generatedContractUrn(1), generatedContractUrn(2)];
    sim.faults.failingPairs = { contracts: [a, b], exportTypes: ['seat', 'exportActivityOutcomeData'], status: 'FAILED_DUE_TO_TIMED_OUT' };
    const statusOf = async (contract: string, exportType: ExportType): Promise<string> =>
      (await jobBody(sim, await createId(sim, { contract, ...WINDOW }, EXPORT_ACTIONS[exportType]), contract)).status;
    expect(await statusOf(a, 'seat')).toBe('FAILED_DUE_TO_TIMED_OUT');
    expect(await statusOf(b, 'activityOutcome')).toBe('FAILED_DUE_TO_TIMED_OUT');
    expect(await statusOf(a, 'activity')).toBe('COMPLETED');
    expect(await statusOf(generatedContractUrn(3), 'seat')).toBe('COMPLETED');
  });

  it('latency: API answers come that much later', async () => {
    sim.faults.latency = { ms: 150, route: 'contracts' };
    let started = Date.now();
    await page(sim, 0, 10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    started = Date.now();
    await createId(sim, { contract: generatedContractUrn(0), ...WINDOW });
    expect(Date.now() - started).toBeLessThan(140);
  });
});

describe('pure pair predicates', () => {
  it('pairHash is deterministic, in [0, 1), and depends on contract, type and seed', () => {
    const h = pairHash(CONTRACT, 'activity', 1);
    expect(pairHash(CONTRACT, 'activity', 1)).toBe(h);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(1);
    expect(pairHash(CONTRACT, 'seat', 1)).not.toBe(h);
    expect(pairHash(CONTRACT, 'activity', 2)).not.toBe(h);
  });

  it('isFailingPair picks close to the fraction of many pairs, and another seed picks others', () => {
    const { contracts } = generateContracts(10_000);
    const pairs = contracts.flatMap((c) => EXPORT_TYPES.map((exportType) => [c.contract, exportType] as const));
    const hit = (seed: number) => pairs.filter(([contract, type]) => isFailingPair({ fraction: 0.01, seed, status: 'X' }, contract, type));
    const one = hit(1);
    expect(one.length).toBeGreaterThan(240); // 1 % of 30,000 = 300
    expect(one.length).toBeLessThan(360);
    const other = new Set(hit(2).map((pair) => pair.join('|')));
    expect(one.filter((pair) => other.has(pair.join('|'))).length).toBeLessThan(30);
    expect(isFailingPair({ status: 'X' }, CONTRACT, 'seat')).toBe(true);
    expect(isFailingPair({ fraction: 0, status: 'X' }, CONTRACT, 'seat')).toBe(false);
  });
});

describe('parseFaults for the contract-targeted faults', () => {
  it('accepts well-formed ones', () => {
    const faults = {
      forbiddenContracts: ['urn:li:contract:1'],
      unauthorized: 'revoked',
      failingPairs: {
        contracts: ['urn:li:contract:1'],
        exportTypes: ['seat', 'exportActivityData'],
        fraction: 0.5,
        seed: 2,
        status: 'FAILED_DUE_TO_INTERNAL_ERROR',
      },
      latency: { ms: 20, route: 'getJob' },
    };
    expect(parseFaults(faults)).toEqual(faults);
  });

  it.each([
    [{ forbiddenContracts: 'urn:li:contract:1' }, /forbiddenContracts.*list/],
    [{ unauthorized: 'yes' }, /unauthorized/],
    [{ failingPairs: { fraction: 0.5 } }, /failingPairs/],
    [{ failingPairs: { status: 'X', fraction: 2 } }, /between 0 and 1/],
    [{ failingPairs: { status: 'X', exportTypes: ['activities'] } }, /exportTypes/],
    [{ failingPairs: { status: 'X', seed: 'a' } }, /seed/],
    [{ latency: { ms: -1 } }, /latency/],
    [{ latency: { ms: 1, route: 'download' } }, /route/],
  ])('rejects %j', (faults, message) => {
    expect(() => parseFaults(faults)).toThrow(message);
  });
});
