/**
 * Standalone LinkedIn simulator: `npm run simulator -- --port 8080 [options]`.
 * Prints its base URL, token and OAuth URL (never the client secret), then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import {
  HEADER_CHANGE_FLAG_HELP,
  headerChangesFromFlags,
  parseFaults,
  startSimulator,
  type SimulatorOAuthOptions,
  type SimulatorOptions,
} from './index';

const DAY_MS = 86_400_000;

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

  LinkedIn's OAuth 2.0 endpoints, at <origin>/oauth/v2 (authorization, accessToken, introspectToken):
  --client-id ID        the app's client id (default simulator-client-id)
  --client-secret S     the app's client secret (default simulator-client-secret)
  --no-refresh-tokens   the code exchange gives no refresh token (LinkedIn: approved partners only)
  --access-token-days N access token lifetime in days (default 60, LinkedIn's)
  --consent MODE        allow | deny: the member's answer on the consent page (default allow)
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
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'no-refresh-tokens': { type: 'boolean' },
      'access-token-days': { type: 'string' },
      consent: { type: 'string' },
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
  const oauth = oauthOptions(values);
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
    ...(oauth && { oauth }),
  };
};

/** The OAuth flags as options; undefined when none is given, so the simulator's defaults apply whole. */
const oauthOptions = (values: {
  'client-id'?: string;
  'client-secret'?: string;
  'no-refresh-tokens'?: boolean;
  'access-token-days'?: string;
  consent?: string;
}): SimulatorOAuthOptions | undefined => {
  const consent = values.consent;
  if (consent !== undefined && consent !== 'allow' && consent !== 'deny') throw new Error('--consent must be allow or deny');
  for (const flag of ['client-id', 'client-secret'] as const) {
    if (values[flag] !== undefined && values[flag].trim() === '') throw new Error(`--${flag} must not be empty`);
  }
  const days = positive(values['access-token-days'], '--access-token-days');
  const oauth: SimulatorOAuthOptions = {
    ...(values['client-id'] !== undefined && { clientId: values['client-id'] }),
    ...(values['client-secret'] !== undefined && { clientSecret: values['client-secret'] }),
    ...(values['no-refresh-tokens'] && { refreshTokens: false }),
    ...(days !== undefined && { accessTokenLifetimeMs: days * DAY_MS }),
    ...(consent !== undefined && { consent }),
  };
  return Object.keys(oauth).length > 0 ? oauth : undefined;
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
  // The client secret is the operator's own flag (or the documented default): it is not repeated here.
  console.log(`OAuth: ${simulator.oauthUrl} (client id ${simulator.clientId})`);
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
