import { App } from 'aws-cdk-lib';
import { CONTEXT_KEY, loadStackConfig, parseStackConfig, runtimeEnvironment, StackConfigError } from '../../infra/config';
import {
  encodeRuntimeEnvironment,
  parseRuntimeConfig,
  RUNTIME_DEFAULTS,
  RUNTIME_VARIABLES,
} from '../../lambdas/shared/contract/runtime-config';
import { cdkJsonConfig } from './helpers';

const minimal = { contracts: ['urn:li:contract:123456'], schedule: { cron: '0 6 * * ? *' } };

describe('parseStackConfig', () => {
  it('accepts cdk.json as committed', () => {
    expect(parseStackConfig(cdkJsonConfig()).contracts).toEqual(['urn:li:contract:123456']);
  });

  it('applies the documented defaults to a minimal configuration', () => {
    expect(parseStackConfig(minimal)).toEqual({
      contracts: ['urn:li:contract:123456'],
      exportTypes: ['activity', 'activityOutcome', 'seat'],
      schedule: { cron: '0 6 * * ? *', timeZone: 'UTC', enabled: true },
      lagDays: 1,
      windowDays: 1,
      earliestDay: '2014-01-01',
      bucketName: null,
      keyPrefix: 'linkedin-sales-navigator/',
      dataRetentionDays: null,
      allowedDownloadHosts: ['www.linkedin.com', 'api.linkedin.com'],
      alarmEmail: null,
      noExecutionAlarmHours: 25,
      discoverContracts: false,
      maxConcurrency: 3000,
      toleratedFailurePercentage: 100,
      stateMachineTimeoutHours: 48,
      copyMemoryMb: 1769,
      removalPolicy: 'retain',
      expectedColumns: {},
      glueDatabaseName: null,
      athenaScanCutoffGb: 10,
      freshnessAlarmDays: null,
      tokenRefreshDays: 21,
      tokenAlarmDays: 14,
      refreshTokenAlarmDays: 30,
      linkedInOAuthUrl: 'https://www.linkedin.com/oauth/v2',
      pollInitialSeconds: 30,
      pollMaxSeconds: 600,
      jobDeadlineHours: 12,
      maxPolls: 200,
      maxRecreates: 3,
      recreateBaseSeconds: 60,
      dataDelayWaitSeconds: 10_800,
      maxDataDelayRetries: 4,
      urlMinRemainingSeconds: 300,
      copySafetyMarginSeconds: 30,
      maxUrlRefreshes: 3,
      partSizeMb: 8,
      uploadQueueSize: 4,
      requireFinalLineBreak: true,
    });
  });

  it('accepts a JSON string (cdk synth -c salesNavExport=...)', () => {
    expect(parseStackConfig(JSON.stringify({ ...minimal, lagDays: 2 })).lagDays).toBe(2);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['lagDays', { lagDays: 'x' }, '"salesNavExport.lagDays": expected a whole number >= 0, got "x"'],
    ['lagDays', { lagDays: -1 }, '"salesNavExport.lagDays": expected a whole number >= 0, got -1'],
    ['windowDays', { windowDays: 91 }, '"salesNavExport.windowDays": expected a whole number from 1 to 90, got 91'],
    [
      'earliestDay',
      { earliestDay: '1969-12-31' },
      '"salesNavExport.earliestDay": expected a day written YYYY-MM-DD, on or after 1970-01-01, got "1969-12-31"',
    ],
    [
      'earliestDay',
      { earliestDay: '2014-02-30' },
      '"salesNavExport.earliestDay": expected a day written YYYY-MM-DD, on or after 1970-01-01, got "2014-02-30"',
    ],
    ['earliestDay', { earliestDay: 1388534400000 }, '"salesNavExport.earliestDay": expected a day written YYYY-MM-DD, got 1388534400000'],
    [
      'contracts',
      { contracts: [] },
      '"salesNavExport.contracts": expected a non-empty list of contract URNs, or "discoverContracts": true to export every contract the token may report on, got []',
    ],
    ['contracts', { contracts: [], discoverContracts: false }, '"salesNavExport.contracts": expected a non-empty list of contract URNs'],
    ['contracts', { contracts: 'urn:li:contract:1' }, '"salesNavExport.contracts": expected a list of contract URNs'],
    [
      'contracts[1]',
      { contracts: ['urn:li:contract:1', 'contract:2'] },
      '"salesNavExport.contracts[1]": expected a contract URN like "urn:li:contract:123456", got "contract:2"',
    ],
    [
      'exportTypes[0]',
      { exportTypes: ['activities'] },
      '"salesNavExport.exportTypes[0]": expected one of "activity", "activityOutcome", "seat", got "activities"',
    ],
    ['schedule', { schedule: 'daily' }, '"salesNavExport.schedule": expected an object'],
    ['schedule.cron', { schedule: { cron: '0 6 * * *' } }, '"salesNavExport.schedule.cron": expected an EventBridge cron body of 6 fields'],
    [
      'schedule.cron',
      { schedule: { cron: '0 6 * * MON *' } },
      '"salesNavExport.schedule.cron": expected an EventBridge cron body of 6 fields "minutes hours day-of-month month day-of-week year" with "?" in day-of-month or day-of-week',
    ],
    [
      'schedule.timeZone',
      { schedule: { cron: '0 6 * * ? *', timeZone: 'Europe/Atlantis' } },
      '"salesNavExport.schedule.timeZone": expected an IANA time zone name',
    ],
    [
      'schedule.enabled',
      { schedule: { cron: '0 6 * * ? *', enabled: 'yes' } },
      '"salesNavExport.schedule.enabled": expected true or false, got "yes"',
    ],
    ['bucketName', { bucketName: 'My_Bucket' }, '"salesNavExport.bucketName": expected a valid S3 bucket name'],
    ['keyPrefix', { keyPrefix: 'exports' }, '"salesNavExport.keyPrefix": expected "" or a key prefix ending in "/"'],
    ['keyPrefix', { keyPrefix: '/exports/' }, '"salesNavExport.keyPrefix"'],
    ['dataRetentionDays', { dataRetentionDays: 0 }, '"salesNavExport.dataRetentionDays": expected a whole number >= 1, got 0'],
    [
      'glueDatabaseName',
      { glueDatabaseName: 'Sales-Nav' },
      '"salesNavExport.glueDatabaseName": expected a lower-case name of a-z, 0-9 and _',
    ],
    [
      'athenaScanCutoffGb',
      { athenaScanCutoffGb: 0 },
      '"salesNavExport.athenaScanCutoffGb": expected a whole number from 1 to 1000000, got 0',
    ],
    [
      'allowedDownloadHosts[0]',
      { allowedDownloadHosts: ['https://www.linkedin.com'] },
      '"salesNavExport.allowedDownloadHosts[0]": expected a lower-case host name',
    ],
    [
      'allowedDownloadHosts',
      { allowedDownloadHosts: [] },
      '"salesNavExport.allowedDownloadHosts": expected a non-empty list of host names',
    ],
    [
      'alarmEmail',
      { alarmEmail: 'ops at example' },
      '"salesNavExport.alarmEmail": expected an e-mail address or null, got "ops at example"',
    ],
    [
      'noExecutionAlarmHours',
      { noExecutionAlarmHours: 169 },
      '"salesNavExport.noExecutionAlarmHours": expected a whole number from 1 to 168',
    ],
    ['discoverContracts', { discoverContracts: 'yes' }, '"salesNavExport.discoverContracts": expected true or false, got "yes"'],
    ['discoverContracts', { contracts: [], discoverContracts: 1 }, '"salesNavExport.discoverContracts": expected true or false, got 1'],
    ['maxConcurrency', { maxConcurrency: 0 }, '"salesNavExport.maxConcurrency": expected a whole number from 1 to 10000, got 0'],
    ['maxConcurrency', { maxConcurrency: 10_001 }, '"salesNavExport.maxConcurrency": expected a whole number from 1 to 10000, got 10001'],
    ['maxConcurrency', { maxConcurrency: 12.5 }, '"salesNavExport.maxConcurrency": expected a whole number from 1 to 10000, got 12.5'],
    [
      'toleratedFailurePercentage',
      { toleratedFailurePercentage: -1 },
      '"salesNavExport.toleratedFailurePercentage": expected a whole number from 0 to 100, got -1',
    ],
    [
      'toleratedFailurePercentage',
      { toleratedFailurePercentage: 101 },
      '"salesNavExport.toleratedFailurePercentage": expected a whole number from 0 to 100, got 101',
    ],
    [
      'toleratedFailurePercentage',
      { toleratedFailurePercentage: '5' },
      '"salesNavExport.toleratedFailurePercentage": expected a whole number from 0 to 100, got "5"',
    ],
    ['stateMachineTimeoutHours', { stateMachineTimeoutHours: 1.5 }, '"salesNavExport.stateMachineTimeoutHours": expected a whole number'],
    [
      'stateMachineTimeoutHours',
      { stateMachineTimeoutHours: 0 },
      '"salesNavExport.stateMachineTimeoutHours": expected a whole number from 1 to 8760, got 0',
    ],
    [
      'stateMachineTimeoutHours',
      { stateMachineTimeoutHours: 8761 },
      '"salesNavExport.stateMachineTimeoutHours": expected a whole number from 1 to 8760, got 8761',
    ],
    ['copyMemoryMb', { copyMemoryMb: 64 }, '"salesNavExport.copyMemoryMb": expected a whole number from 128 to 10240, got 64'],
    ['removalPolicy', { removalPolicy: 'keep' }, '"salesNavExport.removalPolicy": expected "retain" or "destroy", got "keep"'],
    ['pollInitialSeconds', { pollInitialSeconds: 0 }, '"salesNavExport.pollInitialSeconds": expected a whole number >= 1, got 0'],
    ['jobDeadlineHours', { jobDeadlineHours: '12' }, '"salesNavExport.jobDeadlineHours": expected a whole number >= 1, got "12"'],
    ['partSizeMb', { partSizeMb: 4 }, '"salesNavExport.partSizeMb": expected a whole number from 5 to 512, got 4'],
    ['requireFinalLineBreak', { requireFinalLineBreak: 'no' }, '"salesNavExport.requireFinalLineBreak": expected true or false, got "no"'],
    ['tokenRefreshDays', { tokenRefreshDays: 60 }, '"salesNavExport.tokenRefreshDays": expected a whole number from 1 to 59, got 60'],
    [
      'tokenAlarmDays',
      { tokenAlarmDays: 0, tokenRefreshDays: 5 },
      '"salesNavExport.tokenAlarmDays": expected a whole number from 1 to 59, got 0',
    ],
    [
      'refreshTokenAlarmDays',
      { refreshTokenAlarmDays: 365 },
      '"salesNavExport.refreshTokenAlarmDays": expected a whole number from 1 to 364, got 365',
    ],
    [
      'linkedInOAuthUrl',
      { linkedInOAuthUrl: 'ftp://www.linkedin.com/oauth/v2' },
      '"salesNavExport.linkedInOAuthUrl": expected an http(s) URL, e.g. "https://www.linkedin.com/oauth/v2", got "ftp://www.linkedin.com/oauth/v2"',
    ],
    [
      'tokenRefreshDays below tokenAlarmDays',
      { tokenRefreshDays: 10, tokenAlarmDays: 14 },
      '"salesNavExport.tokenRefreshDays": expected more days than tokenAlarmDays (14), so a token is refreshed before its expiry alarm fires, got 10',
    ],
    [
      'tokenRefreshDays equal to tokenAlarmDays',
      { tokenRefreshDays: 14 },
      '"salesNavExport.tokenRefreshDays": expected more days than tokenAlarmDays (14), so a token is refreshed before its expiry alarm fires, got 14',
    ],
    [
      'tokenAlarmDays above the default tokenRefreshDays',
      { tokenAlarmDays: 30 },
      '"salesNavExport.tokenRefreshDays": expected more days than tokenAlarmDays (30), so a token is refreshed before its expiry alarm fires, got 21',
    ],
    ['an unknown key', { lagDay: 1 }, '"salesNavExport": unknown key "lagDay"'],
    ['an unknown schedule key', { schedule: { cron: '0 6 * * ? *', tz: 'UTC' } }, '"salesNavExport.schedule": unknown key "tz"'],
  ])('names %s when it is bad', (_key, override, message) => {
    // Act
    const act = () => parseStackConfig({ ...minimal, ...override });
    // Assess
    expect(act).toThrow(StackConfigError);
    expect(act).toThrow(`cdk.json context ${message}`);
  });

  it.each([
    ['the bounds of maxConcurrency', { maxConcurrency: 1 }, { maxConcurrency: 1 }],
    ['the bounds of maxConcurrency', { maxConcurrency: 10_000 }, { maxConcurrency: 10_000 }],
    ['the bounds of toleratedFailurePercentage', { toleratedFailurePercentage: 0 }, { toleratedFailurePercentage: 0 }],
    ['the bounds of toleratedFailurePercentage', { toleratedFailurePercentage: 100 }, { toleratedFailurePercentage: 100 }],
    ['the bounds of stateMachineTimeoutHours', { stateMachineTimeoutHours: 1 }, { stateMachineTimeoutHours: 1 }],
    ['the bounds of stateMachineTimeoutHours', { stateMachineTimeoutHours: 8760 }, { stateMachineTimeoutHours: 8760 }],
    ['no contract with discoverContracts', { contracts: [], discoverContracts: true }, { contracts: [], discoverContracts: true }],
    [
      'a refresh one day before the expiry alarm',
      { tokenRefreshDays: 15, tokenAlarmDays: 14 },
      { tokenRefreshDays: 15, tokenAlarmDays: 14 },
    ],
    [
      'the local simulator’s OAuth endpoints',
      { linkedInOAuthUrl: 'http://127.0.0.1:4010/oauth/v2' },
      { linkedInOAuthUrl: 'http://127.0.0.1:4010/oauth/v2' },
    ],
    [
      'contracts and discoverContracts together',
      { contracts: ['urn:li:contract:1'], discoverContracts: true },
      { contracts: ['urn:li:contract:1'], discoverContracts: true },
    ],
  ])('accepts %s (%j)', (_what, override, expected) => {
    expect(parseStackConfig({ ...minimal, ...override })).toMatchObject(expected);
  });

  it('reports a missing required key and a missing context', () => {
    expect(() => parseStackConfig({ schedule: minimal.schedule })).toThrow(
      'cdk.json context "salesNavExport.contracts": expected a list of contract URNs, got nothing',
    );
    expect(() => parseStackConfig(undefined)).toThrow('cdk.json context "salesNavExport": expected an object');
    expect(() => parseStackConfig('{not json')).toThrow('cdk.json context "salesNavExport": expected a JSON object');
  });

  it('lists every bad key at once', () => {
    const act = () => parseStackConfig({ ...minimal, lagDays: 'x', maxConcurrency: 0, toleratedFailurePercentage: 101 });
    expect(act).toThrow(/lagDays[^\n]*\n[^\n]*maxConcurrency[^\n]*\n[^\n]*toleratedFailurePercentage/);
  });

  // The contracts/discoverContracts rule is a zod refine on the whole object, which zod skips once a
  // key has failed: `contracts: []` is reported only after every other key is fixed. A product bug
  // (infra/config.ts; see the report of the test rework): this passes while it stands.
  it('lists a refresh later than the expiry alarm with the other bad keys', () => {
    const act = () => parseStackConfig({ ...minimal, tokenRefreshDays: 7, lagDays: 'x' });
    expect(act).toThrow(/tokenRefreshDays[^\n]*\n[^\n]*lagDays/);
  });

  it('lists an empty contracts list with the other bad keys', () => {
    const act = () => parseStackConfig({ ...minimal, contracts: [], lagDays: 'x' });
    expect(act).toThrow(/lagDays[^\n]*\n[^\n]*contracts|contracts[^\n]*\n[^\n]*lagDays/);
  });
});

describe('expectedColumns', () => {
  const problems = (expectedColumns: unknown): string[] => {
    try {
      parseStackConfig({ ...minimal, expectedColumns });
    } catch (error) {
      expect(error).toBeInstanceOf(StackConfigError);
      return (error as Error).message.split('\n');
    }
    return [];
  };

  it("accepts a type's real header, and leaves the others to their built-in columns", () => {
    const seat = ['seatId', 'Seat Holder', 'status', 'snapshotDate'];
    const config = parseStackConfig({ ...minimal, expectedColumns: { seat } });
    expect(config.expectedColumns).toEqual({ seat });
    expect(runtimeEnvironment(config).EXPECTED_COLUMNS).toBe(JSON.stringify({ seat }));
    expect(runtimeEnvironment(parseStackConfig(minimal)).EXPECTED_COLUMNS).toBe('{}');
  });

  it('names the key of every bad list and name', () => {
    expect(problems({ seat: ['seatId', 'a,b', 'SEATID'], activity: [], clicks: ['x'] })).toEqual([
      'cdk.json context "salesNavExport.expectedColumns.activity": expected a non-empty list of column names, got []',
      expect.stringMatching(
        /^cdk\.json context "salesNavExport\.expectedColumns\.seat\[1\]": expected a column name of 1 to 255 characters.*, got "a,b"$/,
      ),
      'cdk.json context "salesNavExport.expectedColumns.seat[2]": "SEATID" repeats "seatId" (column names are compared ignoring case, as Athena does), got "SEATID"',
      'cdk.json context "salesNavExport.expectedColumns.seat": must include "snapshotDate": the copy splits each seat file into days by that column, got ["seatId","a,b","SEATID"]',
      'cdk.json context "salesNavExport.expectedColumns": unknown key "clicks"',
    ]);
  });

  it('wants an object of lists of names', () => {
    expect(problems(['seatId'])).toEqual([
      'cdk.json context "salesNavExport.expectedColumns": expected an object of export type → list of column names, e.g. {"seat": ["seatId", …]}, got ["seatId"]',
    ]);
    expect(problems({ seat: 'seatId' })).toEqual([
      'cdk.json context "salesNavExport.expectedColumns.seat": expected a list of column names, got "seatId"',
    ]);
    expect(problems({ seat: ['snapshotDate', 7] })).toEqual([
      'cdk.json context "salesNavExport.expectedColumns.seat[1]": expected a column name, got 7',
    ]);
  });
});

describe('loadStackConfig', () => {
  it('reads the context of a construct', () => {
    const app = new App({ context: { [CONTEXT_KEY]: { ...minimal, lagDays: 3 } } });
    expect(loadStackConfig(app).lagDays).toBe(3);
  });

  it('fails synth-time construction with the key named', () => {
    const app = new App({ context: { [CONTEXT_KEY]: { ...minimal, lagDays: 'x' } } });
    expect(() => loadStackConfig(app)).toThrow('cdk.json context "salesNavExport.lagDays"');
  });
});

describe('runtimeEnvironment', () => {
  /** What the stack adds from its resources. */
  const resources = {
    BUCKET_NAME: 'bucket',
    LINKEDIN_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:token',
    LINKEDIN_APP_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app',
    TOKEN_STORE_BUCKET: 'token-store',
  };

  it('sets every variable of the contract but the four the stack fills in, with the defaults written out', () => {
    // Act
    const env = runtimeEnvironment(parseStackConfig(minimal));
    // Assess
    expect(Object.keys(env).sort()).toEqual(
      Object.keys(RUNTIME_VARIABLES)
        .filter((name) => !(name in resources))
        .sort(),
    );
    // The defaults' literal values are pinned in test/contract/runtime-config.test.ts; here, that
    // the stack passes every one of them through, with the deployment's contracts.
    expect(env).toEqual({ ...encodeRuntimeEnvironment(RUNTIME_DEFAULTS), CONTRACTS: 'urn:li:contract:123456' });
    expect(env.DISCOVER_CONTRACTS).toBe('false');
  });

  it('produces variables the Lambdas parse back to the same configuration', () => {
    // Prepare
    const config = parseStackConfig({
      ...minimal,
      contracts: ['urn:li:contract:1', 'urn:li:contract:2'],
      discoverContracts: true,
      exportTypes: ['seat'],
      lagDays: 2,
      windowDays: 7,
      earliestDay: '2018-05-01',
      keyPrefix: '',
      allowedDownloadHosts: ['downloads.example.com'],
      jobDeadlineHours: 6,
      dataDelayWaitSeconds: 7200,
      partSizeMb: 32,
      requireFinalLineBreak: false,
      expectedColumns: { seat: ['seatId', 'seatHolderName', 'status', 'snapshotDate', 'seatRegion'] },
      tokenRefreshDays: 28,
      tokenAlarmDays: 7,
      refreshTokenAlarmDays: 60,
      linkedInOAuthUrl: 'http://127.0.0.1:8080/oauth/v2',
    });
    // Act
    const parsed = parseRuntimeConfig({ ...runtimeEnvironment(config), ...resources });
    // Assess
    expect(parsed).toEqual({
      LINKEDIN_API_URL: 'https://api.linkedin.com/v2',
      LINKEDIN_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:token',
      LINKEDIN_TIMEOUT_MS: 30_000,
      LINKEDIN_APP_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app',
      TOKEN_STORE_BUCKET: 'token-store',
      LINKEDIN_OAUTH_URL: 'http://127.0.0.1:8080/oauth/v2',
      TOKEN_REFRESH_DAYS: 28,
      TOKEN_ALARM_DAYS: 7,
      REFRESH_TOKEN_ALARM_DAYS: 60,
      CONTRACTS: ['urn:li:contract:1', 'urn:li:contract:2'],
      DISCOVER_CONTRACTS: true,
      EXPORT_TYPES: ['seat'],
      LAG_DAYS: 2,
      WINDOW_DAYS: 7,
      EARLIEST_DAY: Date.UTC(2018, 4, 1),
      BUCKET_NAME: 'bucket',
      KEY_PREFIX: '',
      ALLOWED_DOWNLOAD_HOSTS: ['downloads.example.com'],
      POLL_INITIAL_SECONDS: 30,
      POLL_MAX_SECONDS: 600,
      JOB_DEADLINE_SECONDS: 21_600,
      MAX_POLLS: 200,
      MAX_RECREATES: 3,
      RECREATE_BASE_SECONDS: 60,
      DATA_DELAY_WAIT_SECONDS: 7200,
      MAX_DATA_DELAY_RETRIES: 4,
      CLAIM_LEASE_SECONDS: 86_400,
      URL_MIN_REMAINING_SECONDS: 300,
      COPY_SAFETY_MARGIN_SECONDS: 30,
      MAX_URL_REFRESHES: 3,
      PART_SIZE_MB: 32,
      UPLOAD_QUEUE_SIZE: 4,
      REQUIRE_FINAL_LINE_BREAK: false,
      EXPECTED_COLUMNS: { seat: ['seatId', 'seatHolderName', 'status', 'snapshotDate', 'seatRegion'] },
    });
  });

  it('passes a partner deployment (no contract, discovery on) through to the Lambdas', () => {
    // Prepare
    const config = parseStackConfig({ ...minimal, contracts: [], discoverContracts: true });
    // Act
    const env = runtimeEnvironment(config);
    const parsed = parseRuntimeConfig({ ...env, ...resources });
    // Assess
    expect(env).toMatchObject({ CONTRACTS: '', DISCOVER_CONTRACTS: 'true' });
    expect(parsed).toMatchObject({ CONTRACTS: [], DISCOVER_CONTRACTS: true });
  });

  it('is not a complete Lambda environment without the stack’s resources (the Lambdas apply no defaults)', () => {
    expect(() => parseRuntimeConfig(runtimeEnvironment(parseStackConfig(minimal)))).toThrow(
      /LINKEDIN_TOKEN_SECRET_ID: required \(it is not set\).*LINKEDIN_APP_SECRET_ID: required \(it is not set\).*TOKEN_STORE_BUCKET: required \(it is not set\).*BUCKET_NAME: required \(it is not set\)/,
    );
  });
});
