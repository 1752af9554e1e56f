import {
  encodeRuntimeEnvironment,
  parseHandlerConfig,
  parseRuntimeConfig,
  RUNTIME_DEFAULTS,
  RUNTIME_VARIABLES,
} from '../../lambdas/shared/contract/runtime-config';
import { rejectionOf } from '../helpers/rejection';

const complete = {
  ...encodeRuntimeEnvironment(RUNTIME_DEFAULTS),
  BUCKET_NAME: 'exports',
  LINKEDIN_TOKEN_SECRET_ID: 'secret',
  LINKEDIN_APP_SECRET_ID: 'app-secret',
  TOKEN_STORE_BUCKET: 'tokens',
};

const problem = async (env: Record<string, string | undefined>) => rejectionOf(Promise.resolve().then(() => parseRuntimeConfig(env)));

describe('the runtime configuration table', () => {
  it('lists every variable with a description', () => {
    expect(Object.keys(RUNTIME_VARIABLES)).toEqual([
      'LINKEDIN_API_URL',
      'LINKEDIN_TOKEN_SECRET_ID',
      'LINKEDIN_TIMEOUT_MS',
      'LINKEDIN_APP_SECRET_ID',
      'TOKEN_STORE_BUCKET',
      'LINKEDIN_OAUTH_URL',
      'TOKEN_REFRESH_DAYS',
      'TOKEN_ALARM_DAYS',
      'REFRESH_TOKEN_ALARM_DAYS',
      'CONTRACTS',
      'DISCOVER_CONTRACTS',
      'EXPORT_TYPES',
      'LAG_DAYS',
      'WINDOW_DAYS',
      'EARLIEST_DAY',
      'BUCKET_NAME',
      'KEY_PREFIX',
      'ALLOWED_DOWNLOAD_HOSTS',
      'POLL_INITIAL_SECONDS',
      'POLL_MAX_SECONDS',
      'JOB_DEADLINE_SECONDS',
      'MAX_POLLS',
      'MAX_RECREATES',
      'RECREATE_BASE_SECONDS',
      'DATA_DELAY_WAIT_SECONDS',
      'MAX_DATA_DELAY_RETRIES',
      'CLAIM_LEASE_SECONDS',
      'URL_MIN_REMAINING_SECONDS',
      'COPY_SAFETY_MARGIN_SECONDS',
      'MAX_URL_REFRESHES',
      'PART_SIZE_MB',
      'UPLOAD_QUEUE_SIZE',
      'REQUIRE_FINAL_LINE_BREAK',
      'EXPECTED_COLUMNS',
    ]);
    for (const variable of Object.values(RUNTIME_VARIABLES)) expect(variable.doc.length).toBeGreaterThan(10);
  });

  it('has a default for every variable but the ones the stack fills from its resources', () => {
    expect(Object.keys(RUNTIME_VARIABLES).filter((name) => !(name in RUNTIME_DEFAULTS))).toEqual([
      'LINKEDIN_TOKEN_SECRET_ID',
      'LINKEDIN_APP_SECRET_ID',
      'TOKEN_STORE_BUCKET',
      'BUCKET_NAME',
    ]);
  });

  it('encodes the defaults as the strings a Lambda environment holds', () => {
    expect(encodeRuntimeEnvironment(RUNTIME_DEFAULTS)).toEqual({
      LINKEDIN_API_URL: 'https://api.linkedin.com/v2',
      LINKEDIN_OAUTH_URL: 'https://www.linkedin.com/oauth/v2',
      LINKEDIN_TIMEOUT_MS: '30000',
      CONTRACTS: '',
      DISCOVER_CONTRACTS: 'false',
      EXPORT_TYPES: 'activity,activityOutcome,seat',
      LAG_DAYS: '1',
      WINDOW_DAYS: '1',
      EARLIEST_DAY: '2014-01-01',
      KEY_PREFIX: 'linkedin-sales-navigator/',
      ALLOWED_DOWNLOAD_HOSTS: 'www.linkedin.com,api.linkedin.com',
      POLL_INITIAL_SECONDS: '30',
      POLL_MAX_SECONDS: '600',
      JOB_DEADLINE_SECONDS: '43200',
      MAX_POLLS: '200',
      MAX_RECREATES: '3',
      RECREATE_BASE_SECONDS: '60',
      DATA_DELAY_WAIT_SECONDS: '10800',
      MAX_DATA_DELAY_RETRIES: '4',
      CLAIM_LEASE_SECONDS: '86400',
      URL_MIN_REMAINING_SECONDS: '300',
      COPY_SAFETY_MARGIN_SECONDS: '30',
      MAX_URL_REFRESHES: '3',
      PART_SIZE_MB: '8',
      UPLOAD_QUEUE_SIZE: '4',
      REFRESH_TOKEN_ALARM_DAYS: '30',
      REQUIRE_FINAL_LINE_BREAK: 'true',
      TOKEN_ALARM_DAYS: '14',
      TOKEN_REFRESH_DAYS: '21',
      EXPECTED_COLUMNS: '{}',
    });
  });

  it('parses what it encodes back to the same values', () => {
    expect(parseRuntimeConfig(complete)).toEqual({
      ...RUNTIME_DEFAULTS,
      BUCKET_NAME: 'exports',
      LINKEDIN_TOKEN_SECRET_ID: 'secret',
      LINKEDIN_APP_SECRET_ID: 'app-secret',
      TOKEN_STORE_BUCKET: 'tokens',
    });
  });

  it('reads lists item by item, trimmed, empty items dropped', () => {
    const config = parseRuntimeConfig({ ...complete, CONTRACTS: ' urn:li:contract:1, ,urn:li:contract:22 ', EXPORT_TYPES: 'seat' });
    expect(config.CONTRACTS).toEqual(['urn:li:contract:1', 'urn:li:contract:22']);
    expect(config.EXPORT_TYPES).toEqual(['seat']);
  });

  it('applies no default at run time: a missing variable is a ConfigError naming it', async () => {
    const { MAX_POLLS: _missing, ...rest } = complete;
    const error = await problem(rest);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('Invalid Lambda configuration: MAX_POLLS: required (it is not set)');
  });

  it('names every bad variable and its value in one message', async () => {
    const error = await problem({
      ...complete,
      LAG_DAYS: '-1',
      UPLOAD_QUEUE_SIZE: '17',
      EXPORT_TYPES: 'activity,clicks',
      LINKEDIN_API_URL: 'api',
    });
    expect(error.message).toBe(
      'Invalid Lambda configuration: LINKEDIN_API_URL: Invalid URL (got "api"); EXPORT_TYPES: Invalid option: expected one of "activity"|"activityOutcome"|"seat" (got "activity,clicks"); LAG_DAYS: expected a whole number (got "-1"); UPLOAD_QUEUE_SIZE: expected at most 16 (got "17")',
    );
  });

  it('holds a ledger claim at least a minute when its owner cannot be asked (CLAIM_LEASE_SECONDS)', async () => {
    expect(parseRuntimeConfig({ ...complete, CLAIM_LEASE_SECONDS: '60' }).CLAIM_LEASE_SECONDS).toBe(60);
    expect((await problem({ ...complete, CLAIM_LEASE_SECONDS: '59' })).message).toBe(
      'Invalid Lambda configuration: CLAIM_LEASE_SECONDS: expected at least 60 (got "59")',
    );
  });

  it('reads EARLIEST_DAY as the epoch ms of a real day on or after 1970-01-01', async () => {
    expect(parseRuntimeConfig({ ...complete, EARLIEST_DAY: '2020-02-29' }).EARLIEST_DAY).toBe(Date.UTC(2020, 1, 29));
    expect(parseRuntimeConfig({ ...complete, EARLIEST_DAY: '1970-01-01' }).EARLIEST_DAY).toBe(0);
    expect((await problem({ ...complete, EARLIEST_DAY: '1969-12-31' })).message).toBe(
      'Invalid Lambda configuration: EARLIEST_DAY: expected a day on or after 1970-01-01 (got "1969-12-31")',
    );
    for (const bad of ['2026-02-30', '2014-1-1', '1388534400000', '']) {
      expect((await problem({ ...complete, EARLIEST_DAY: bad })).message).toBe(
        `Invalid Lambda configuration: EARLIEST_DAY: expected a day written YYYY-MM-DD (got ${JSON.stringify(bad)})`,
      );
    }
  });

  it('reads REQUIRE_FINAL_LINE_BREAK as exactly true or false', async () => {
    expect(parseRuntimeConfig({ ...complete, REQUIRE_FINAL_LINE_BREAK: 'false' }).REQUIRE_FINAL_LINE_BREAK).toBe(false);
    expect(parseRuntimeConfig({ ...complete, REQUIRE_FINAL_LINE_BREAK: 'true' }).REQUIRE_FINAL_LINE_BREAK).toBe(true);
    for (const bad of ['TRUE', '1', 'no', '']) {
      expect((await problem({ ...complete, REQUIRE_FINAL_LINE_BREAK: bad })).message).toBe(
        `Invalid Lambda configuration: REQUIRE_FINAL_LINE_BREAK: expected true or false (got ${JSON.stringify(bad)})`,
      );
    }
  });

  it('reads EXPECTED_COLUMNS as JSON, held to the column rules of export-schemas.ts', async () => {
    const seat = ['seatId', 'seatHolderName', 'status', 'snapshotDate'];
    expect(parseRuntimeConfig({ ...complete, EXPECTED_COLUMNS: JSON.stringify({ seat }) }).EXPECTED_COLUMNS).toEqual({ seat });
    expect(encodeRuntimeEnvironment({ EXPECTED_COLUMNS: { seat } })).toEqual({ EXPECTED_COLUMNS: JSON.stringify({ seat }) });
    expect((await problem({ ...complete, EXPECTED_COLUMNS: '{seat: []}' })).message).toBe(
      'Invalid Lambda configuration: EXPECTED_COLUMNS: expected JSON (got "{seat: []}")',
    );
    expect((await problem({ ...complete, EXPECTED_COLUMNS: '{"seat":["seatId","SEATID"],"clicks":["a"]}' })).message).toBe(
      'Invalid Lambda configuration: EXPECTED_COLUMNS: seat[1]: "SEATID" repeats "seatId" (column names are compared ignoring case, as Athena does), got "SEATID" (and 2 more) (got "{\\"seat\\":[\\"seatId\\",\\"SEATID\\"],\\"clicks\\":[\\"a\\"]}")',
    );
  });

  it("the handlers' part leaves out the token's secret id (the token source is injected)", () => {
    const { LINKEDIN_TOKEN_SECRET_ID: _secret, ...handlerEnv } = complete;
    const config = parseHandlerConfig(handlerEnv);
    expect(config).not.toHaveProperty('LINKEDIN_TOKEN_SECRET_ID');
    expect(config.BUCKET_NAME).toBe('exports');
  });
});
