/**
 * Standalone LinkedIn simulator: `npm run simulator -- --port 8080 [options]`.
 * Prints its base URL and token, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { HEADER_CHANGE_FLAG_HELP, headerChangesFromFlags, parseFaults, startSimulator, type SimulatorOptions } from './index';

const USAGE = `Usage: npm run simulator -- [options]

  --port N              port on 127.0.0.1 (default 8080; 0 = any free port)
  --token T             Bearer token to accept (default linkedin-simulator-token)
  --rows N              fixed data rows per job (e.g. 20000000 for a multi-GB file)
  --rows-per-day N      data rows per day of window when --rows is not set (default 40)
  --seed N              CSV content seed (default 1)
  --enqueued-ms N       time a job spends ENQUEUED once its turn comes (default 500)
  --processing-ms N     time a job spends PROCESSING (default 1000)
  --url-lifetime-ms N   download URL lifetime (default 3600000)
  --download-auth MODE  optional | required: Bearer token on the download URL (default optional)
  --contract-count N    generate N contracts with reporting access (urn:li:contract:5000000…);
                        without it the member has LinkedIn's two sample contracts
  --forbidden-contract-count N
                        generate N more, listed with reporting access, whose job creation
                        answers 403 (spread evenly among the others)
  --paging-total        contracts finder pages carry paging.total (LinkedIn's sample has none)
  --max-page-size N     the contracts finder answers at most N per page (default: no cap)
  --faults JSON         initial faults, e.g. '{"throttle":{"count":2}}',
                        '{"forbiddenContracts":["urn:li:contract:5000007"]}', '{"unauthorized":true}',
                        '{"failingPairs":{"fraction":0.01,"seed":1,"status":"FAILED_DUE_TO_INTERNAL_ERROR"}}',
                        '{"dropCreateResponses":{"count":1}}' (the job is created, its answer lost),
                        '{"headerChanges":{"seat":{"rename":"seatStatus","to":"status"}}}'
  --header-change SPEC  LinkedIn changed an export's columns (header and rows alike), one per
                        type, repeatable:
                        ${HEADER_CHANGE_FLAG_HELP}
  --help                this text
`;

const integer = (raw: string | undefined, flag: string): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`${flag} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
};

const positive = (raw: string | undefined, flag: string): number | undefined => {
  const value = integer(raw, flag);
  if (value === 0) throw new Error(`${flag} must be a positive integer, got "${raw}"`);
  return value;
};

/** Parses the command line into simulator options; throws with a readable message on bad input. */
export const parseCli = (argv: string[]): SimulatorOptions | 'help' => {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      token: { type: 'string' },
      rows: { type: 'string' },
      'rows-per-day': { type: 'string' },
      seed: { type: 'string' },
      'enqueued-ms': { type: 'string' },
      'processing-ms': { type: 'string' },
      'url-lifetime-ms': { type: 'string' },
      'download-auth': { type: 'string' },
      'contract-count': { type: 'string' },
      'forbidden-contract-count': { type: 'string' },
      'paging-total': { type: 'boolean' },
      'max-page-size': { type: 'string' },
      faults: { type: 'string' },
      'header-change': { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const downloadAuth = values['download-auth'];
  if (downloadAuth !== undefined && downloadAuth !== 'optional' && downloadAuth !== 'required') {
    throw new Error('--download-auth must be optional or required');
  }
  let faults: ReturnType<typeof parseFaults> | undefined;
  if (values.faults !== undefined) {
    try {
      faults = parseFaults(JSON.parse(values.faults));
    } catch (error) {
      throw new Error(`--faults: ${(error as Error).message}`);
    }
  }
  if (values['header-change']?.length) {
    let headerChanges: ReturnType<typeof headerChangesFromFlags>;
    try {
      headerChanges = headerChangesFromFlags(values['header-change']);
    } catch (error) {
      throw new Error(`--header-change ${(error as Error).message}`);
    }
    faults = { ...faults, headerChanges: { ...faults?.headerChanges, ...headerChanges } };
  }
  return {
    port: integer(values.port, '--port') ?? 8080,
    token: values.token,
    rows: integer(values.rows, '--rows'),
    rowsPerDay: integer(values['rows-per-day'], '--rows-per-day'),
    seed: integer(values.seed, '--seed'),
    enqueuedMs: integer(values['enqueued-ms'], '--enqueued-ms'),
    processingMs: integer(values['processing-ms'], '--processing-ms'),
    urlLifetimeMs: integer(values['url-lifetime-ms'], '--url-lifetime-ms'),
    downloadAuth,
    contractCount: integer(values['contract-count'], '--contract-count'),
    forbiddenContractCount: integer(values['forbidden-contract-count'], '--forbidden-contract-count'),
    pagingTotal: values['paging-total'],
    maxPageSize: positive(values['max-page-size'], '--max-page-size'),
    faults,
  };
};

const main = async (): Promise<void> => {
  let options: SimulatorOptions | 'help';
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const simulator = await startSimulator(options);
  console.log(`LinkedIn simulator: ${simulator.baseUrl}`);
  console.log(`token: ${simulator.token}`);
  if (options.contractCount || options.forbiddenContractCount) {
    console.log(`contracts: ${simulator.contracts.length} (${simulator.forbiddenContracts.length} answer 403 on job creation)`);
  }
  const stop = (): void => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

if (require.main === module) void main();
