/**
 * The deployment's configuration: cdk.json context `salesNavExport`, validated with zod at
 * synth time so a typo fails `cdk synth` with a message naming the key instead of deploying a
 * workflow that fails at 06:00 the next morning.
 */
import { z } from 'zod';
import type { IConstruct } from 'constructs';
import { columnListProblems } from '../lambdas/shared/contract/export-schemas';
import { CONTRACT_URN, EXPORT_TYPES, type ExportType } from '../lambdas/shared/contract/export-types';
import { DEFAULT_LINKEDIN_OAUTH_URL, LINKEDIN_DOWNLOAD_HOSTS } from '../lambdas/shared/contract/linkedin-limits';
import {
  encodeRuntimeEnvironment,
  type BoundedVariable,
  RUNTIME_DEFAULTS,
  RUNTIME_VARIABLES,
  type ResourceVariable,
  type RuntimeEnvironment,
  type RuntimeVariable,
} from '../lambdas/shared/contract/runtime-config';

/** The cdk.json context key this app reads. */
export const CONTEXT_KEY = 'salesNavExport';

const SECONDS_PER_HOUR = 3600;

const wholeNumber = (min: number, max?: number) => {
  const expected = max === undefined ? `expected a whole number >= ${min}` : `expected a whole number from ${min} to ${max}`;
  const base = z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });
  return max === undefined ? base : base.max(max, { error: expected });
};

const nonEmptyList = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item, { error: `expected a list of ${what}` }).min(1, { error: `expected a non-empty list of ${what}` });

/** Six space-separated fields, one of day-of-month / day-of-week a `?` (EventBridge's rule). */
const isEventBridgeCronBody = (value: string): boolean => {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 6 || !fields.every((field) => /^[0-9A-Z*?,/#LW-]+$/.test(field))) return false;
  return fields[2] === '?' || fields[4] === '?';
};

const isIanaTimeZone = (value: string): boolean => {
  try {
    // The runtime's ICU database is the IANA one; an unknown zone throws a RangeError.
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

// S3 bucket naming rules (general purpose buckets), minus the rarely hit edge cases CloudFormation
// still reports itself.
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
// A prefix is either empty or a relative "folder" (ends in "/"), so `prefix*` in IAM grants
// never matches a sibling like "exports-old/".
const KEY_PREFIX = /^(?:|[^/].*\/)$/;

const cronBody = z.string({ error: 'expected an EventBridge cron body as a string, e.g. "0 6 * * ? *"' }).refine(isEventBridgeCronBody, {
  error:
    'expected an EventBridge cron body of 6 fields "minutes hours day-of-month month day-of-week year" ' +
    'with "?" in day-of-month or day-of-week, e.g. "0 6 * * ? *"',
});

const wholeHours = (seconds: number): number => {
  if (!Number.isInteger(seconds / SECONDS_PER_HOUR)) throw new Error(`${seconds} s is not a whole number of hours`);
  return seconds / SECONDS_PER_HOUR;
};

/**
 * A cdk.json key for one of the Lambdas' whole-number variables: its bounds and default are the
 * contract's (lambdas/shared/contract/runtime-config.ts), so the two cannot disagree.
 */
const runtimeNumber = (name: BoundedVariable) => {
  const variable = RUNTIME_VARIABLES[name];
  return wholeNumber(variable.min, 'max' in variable ? variable.max : undefined).default(variable.fallback);
};

/**
 * The Lambdas' poll/copy policy. Each key always reaches the functions' environment.
 */
const policyShape = {
  /** First wait between polls of a job (POLL_INITIAL_SECONDS). */
  pollInitialSeconds: runtimeNumber('POLL_INITIAL_SECONDS'),
  /** Cap of the exponential poll wait (POLL_MAX_SECONDS). */
  pollMaxSeconds: runtimeNumber('POLL_MAX_SECONDS'),
  /** A job that has not finished this long after creation fails (JOB_DEADLINE_SECONDS). */
  jobDeadlineHours: wholeNumber(1).default(wholeHours(RUNTIME_DEFAULTS.JOB_DEADLINE_SECONDS)),
  /** GETs of one job before it fails (MAX_POLLS). */
  maxPolls: runtimeNumber('MAX_POLLS'),
  /** Re-creations after FAILED_DUE_TO_TIMED_OUT / INTERNAL_ERROR (MAX_RECREATES). */
  maxRecreates: runtimeNumber('MAX_RECREATES'),
  /** Base wait before a re-creation, doubled each time (RECREATE_BASE_SECONDS). */
  recreateBaseSeconds: runtimeNumber('RECREATE_BASE_SECONDS'),
  /** Wait after FAILED_DUE_TO_DATA_DELAY (DATA_DELAY_WAIT_SECONDS). */
  dataDelayWaitSeconds: runtimeNumber('DATA_DELAY_WAIT_SECONDS'),
  /** Retries after FAILED_DUE_TO_DATA_DELAY (MAX_DATA_DELAY_RETRIES). */
  maxDataDelayRetries: runtimeNumber('MAX_DATA_DELAY_RETRIES'),
  /** The copy refreshes a downloadUrl with less time left than this (URL_MIN_REMAINING_SECONDS). */
  urlMinRemainingSeconds: runtimeNumber('URL_MIN_REMAINING_SECONDS'),
  /** The copy stops this long before the Lambda's deadline (COPY_SAFETY_MARGIN_SECONDS). */
  copySafetyMarginSeconds: runtimeNumber('COPY_SAFETY_MARGIN_SECONDS'),
  /** Fresh GETs of a job for a new downloadUrl (MAX_URL_REFRESHES). */
  maxUrlRefreshes: runtimeNumber('MAX_URL_REFRESHES'),
  /** Multipart part size (PART_SIZE_MB). */
  partSizeMb: runtimeNumber('PART_SIZE_MB'),
  /** Parts uploaded in parallel (UPLOAD_QUEUE_SIZE). */
  uploadQueueSize: runtimeNumber('UPLOAD_QUEUE_SIZE'),
  /** A download without a final line break was cut short (REQUIRE_FINAL_LINE_BREAK; an assumption about LinkedIn's files). */
  requireFinalLineBreak: z.boolean({ error: 'expected true or false' }).default(RUNTIME_DEFAULTS.REQUIRE_FINAL_LINE_BREAK),
};

/**
 * The LinkedIn token lifecycle (docs/tokens.md). Each key always reaches the functions' environment:
 * the refresh reads TOKEN_REFRESH_DAYS, the token check and `npm run cli -- tokens` the alarm days.
 */
const tokenShape = {
  /** An access token with this many days or fewer left is refreshed, when a refresh token exists (TOKEN_REFRESH_DAYS). */
  tokenRefreshDays: runtimeNumber('TOKEN_REFRESH_DAYS'),
  /** The TokenExpiring alarm fires for an access token with fewer days left (TOKEN_ALARM_DAYS). */
  tokenAlarmDays: runtimeNumber('TOKEN_ALARM_DAYS'),
  /** The RefreshTokenExpiring alarm fires for a refresh token with fewer days left (REFRESH_TOKEN_ALARM_DAYS). */
  refreshTokenAlarmDays: runtimeNumber('REFRESH_TOKEN_ALARM_DAYS'),
  /** LinkedIn's OAuth 2.0 endpoints (LINKEDIN_OAUTH_URL); another value only for a stand-in of LinkedIn. */
  linkedInOAuthUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. "https://www.linkedin.com/oauth/v2"' })
    .default(DEFAULT_LINKEDIN_OAUTH_URL),
};

/** One export type's expected columns, held to the contract's rules (export-schemas.ts columnListProblems). */
const expectedColumnList = (exportType: ExportType) =>
  z.array(z.string({ error: 'expected a column name' }), { error: 'expected a list of column names' }).superRefine((names, ctx) => {
    for (const problem of columnListProblems(exportType, names)) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: problem.index === undefined ? [] : [problem.index], input: names });
    }
  });

/** Per export type, the header its files must start with (EXPECTED_COLUMNS); a type left out keeps its built-in columns. */
const expectedColumnsSchema = z.strictObject(
  Object.fromEntries(EXPORT_TYPES.map((exportType) => [exportType, expectedColumnList(exportType).optional()])) as {
    [T in ExportType]: z.ZodOptional<ReturnType<typeof expectedColumnList>>;
  },
  { error: 'expected an object of export type → list of column names, e.g. {"seat": ["seatId", …]}' },
);

export const stackConfigSchema = z.strictObject({
  /** May be empty only with discoverContracts (checked below). */
  contracts: z.array(
    z.string({ error: 'expected a contract URN' }).regex(CONTRACT_URN, {
      error: 'expected a contract URN like "urn:li:contract:123456"',
    }),
    { error: 'expected a list of contract URNs' },
  ),
  exportTypes: nonEmptyList(
    z.enum(EXPORT_TYPES, { error: `expected one of ${EXPORT_TYPES.map((t) => `"${t}"`).join(', ')}` }),
    'export types',
  ).default(() => [...RUNTIME_DEFAULTS.EXPORT_TYPES]),
  schedule: z.strictObject(
    {
      cron: cronBody,
      timeZone: z
        .string({ error: 'expected an IANA time zone name, e.g. "UTC" or "Europe/Paris"' })
        .refine(isIanaTimeZone, { error: 'expected an IANA time zone name, e.g. "UTC" or "Europe/Paris"' })
        .default('UTC'),
      /** false deploys the schedule disabled (manual console runs only). */
      enabled: z.boolean({ error: 'expected true or false' }).default(true),
    },
    { error: 'expected an object {"cron": "0 6 * * ? *", "timeZone": "UTC"}' },
  ),
  lagDays: runtimeNumber('LAG_DAYS'),
  windowDays: runtimeNumber('WINDOW_DAYS'),
  /** The earliest day an execution may export (EARLIEST_DAY), `YYYY-MM-DD`; parsed as the Lambdas parse it. */
  earliestDay: z
    .string({ error: 'expected a day written YYYY-MM-DD' })
    .refine((text) => RUNTIME_VARIABLES.EARLIEST_DAY.schema.safeParse(text).success, {
      error: 'expected a day written YYYY-MM-DD, on or after 1970-01-01',
    })
    .default(encodeRuntimeEnvironment({ EARLIEST_DAY: RUNTIME_DEFAULTS.EARLIEST_DAY }).EARLIEST_DAY),
  bucketName: z
    .string({ error: 'expected a bucket name or null' })
    .regex(BUCKET_NAME, { error: 'expected a valid S3 bucket name (3-63 of a-z 0-9 . -) or null' })
    .nullable()
    .default(null),
  keyPrefix: z
    .string({ error: 'expected a key prefix string' })
    .regex(KEY_PREFIX, { error: 'expected "" or a key prefix ending in "/" and not starting with "/"' })
    .default(RUNTIME_DEFAULTS.KEY_PREFIX),
  dataRetentionDays: wholeNumber(1).nullable().default(null),
  allowedDownloadHosts: nonEmptyList(
    z.string({ error: 'expected a host name' }).regex(HOST_NAME, { error: 'expected a lower-case host name' }),
    'host names',
  ).default(() => [...LINKEDIN_DOWNLOAD_HOSTS]),
  alarmEmail: z.email({ error: 'expected an e-mail address or null' }).nullable().default(null),
  /** "No execution started" alarms after this many hours without a start (the schedule's period plus slack). */
  noExecutionAlarmHours: wholeNumber(1, 168).default(25),
  /** Without explicit contracts, also export every contract the token has reporting access on (DISCOVER_CONTRACTS). */
  discoverContracts: z.boolean({ error: 'expected true or false' }).default(RUNTIME_DEFAULTS.DISCOVER_CONTRACTS),
  /** Pairs exported at once (the Distributed Map's MaxConcurrency; Step Functions allows 10,000). */
  maxConcurrency: wholeNumber(1, 10_000).default(3000),
  /** Share of pairs that may fail before the Map stops starting more (100: every failure tolerated). */
  toleratedFailurePercentage: wholeNumber(0, 100).default(100),
  stateMachineTimeoutHours: wholeNumber(1, 24 * 365).default(48),
  copyMemoryMb: wholeNumber(128, 10_240).default(1769),
  removalPolicy: z.enum(['retain', 'destroy'], { error: 'expected "retain" or "destroy"' }).default('retain'),
  /**
   * The columns each export type's file must start with, for the copy's schema-drift check, the Glue
   * tables and the local SQL console (EXPECTED_COLUMNS). Only the activity columns are documented by
   * LinkedIn: list a type's real header here to accept it without a code change.
   */
  expectedColumns: expectedColumnsSchema.default({}),
  /**
   * The Glue database of the tables and views (docs/query.md); `null` derives one from the stack
   * name. Lower case, digits and underscores: what Athena accepts unquoted everywhere.
   */
  glueDatabaseName: z
    .string({ error: 'expected a Glue database name or null' })
    .regex(/^[a-z][a-z0-9_]{0,254}$/, {
      error: 'expected a lower-case name of a-z, 0-9 and _ starting with a letter (at most 255), or null',
    })
    .nullable()
    .default(null),
  /** The Athena workgroup cancels a query that scans more than this many GB (10^9 bytes); docs/query.md, "Cost". */
  athenaScanCutoffGb: wholeNumber(1, 1_000_000).default(10),
  /**
   * The freshness alarm fires when some pair's newest landed day is more than this many days old
   * (StalestPairAgeDays; docs/operations.md, "Alarms"). null: lagDays + windowDays + 1, the age that
   * day reaches just before the next scheduled run when every run lands (infra/freshness.ts).
   */
  freshnessAlarmDays: wholeNumber(1, 365).nullable().default(null),
  ...tokenShape,
  ...policyShape,
});

/** `contracts: []` needs discovery; checked beside the other keys' problems (a zod refine would run only when they all pass). */
const emptyContractsProblem = (value: object): string | undefined => {
  const { contracts, discoverContracts } = value as { contracts?: unknown; discoverContracts?: unknown };
  if (!Array.isArray(contracts) || contracts.length > 0 || discoverContracts === true) return undefined;
  return `cdk.json context "${CONTEXT_KEY}.contracts": expected a non-empty list of contract URNs, or "discoverContracts": true to export every contract the token may report on, got []`;
};

/**
 * tokenRefreshDays must exceed tokenAlarmDays: a due token is refreshed every day from
 * tokenRefreshDays days before its expiry, so the expiry alarm fires only after that many days of
 * failed refreshes, never on a token whose refresh simply has not been tried yet. Checked beside the
 * other keys' problems, with the defaults of the keys not given.
 */
const tokenDaysProblem = (value: object): string | undefined => {
  const { tokenRefreshDays = RUNTIME_DEFAULTS.TOKEN_REFRESH_DAYS, tokenAlarmDays = RUNTIME_DEFAULTS.TOKEN_ALARM_DAYS } = value as {
    tokenRefreshDays?: unknown;
    tokenAlarmDays?: unknown;
  };
  if (!Number.isInteger(tokenRefreshDays) || !Number.isInteger(tokenAlarmDays)) return undefined;
  if ((tokenRefreshDays as number) > (tokenAlarmDays as number)) return undefined;
  return `cdk.json context "${CONTEXT_KEY}.tokenRefreshDays": expected more days than tokenAlarmDays (${tokenAlarmDays}), so a token is refreshed before its expiry alarm fires, got ${tokenRefreshDays}`;
};

/** The validated configuration, defaults applied. */
export type StackConfig = z.infer<typeof stackConfigSchema>;
/** What cdk.json may hold (defaults optional). */
export type StackConfigInput = z.input<typeof stackConfigSchema>;

/** Raised at synth time; the message names the offending key. */
export class StackConfigError extends Error {
  override readonly name = 'StackConfigError';
}

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
};

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined),
    root,
  );

const keyName = (path: readonly PropertyKey[]): string =>
  [CONTEXT_KEY, ...path.map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))].join('.').replace(/\.\[/g, '[');

/**
 * Validates the raw `salesNavExport` context value.
 *
 * @param raw the context value: an object (cdk.json) or a JSON string (`cdk synth -c salesNavExport='{...}'`)
 * @returns the configuration with defaults applied
 * @throws StackConfigError listing every bad key, e.g.
 *   `cdk.json context "salesNavExport.lagDays": expected a whole number >= 0, got "x"`
 */
export const parseStackConfig = (raw: unknown): StackConfig => {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new StackConfigError(`cdk.json context "${CONTEXT_KEY}": expected a JSON object, got ${describe(raw)}`);
    }
  }
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StackConfigError(
      `cdk.json context "${CONTEXT_KEY}": expected an object with at least "contracts" and "schedule", got ${describe(value)}`,
    );
  }
  const parsed = stackConfigSchema.safeParse(value);
  const contractsProblem = emptyContractsProblem(value);
  const tokenProblem = tokenDaysProblem(value);
  if (parsed.success && !contractsProblem && !tokenProblem) return parsed.data;
  const problems = (parsed.error?.issues ?? []).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `cdk.json context "${keyName(issue.path)}": unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `cdk.json context "${keyName(issue.path)}": ${issue.message}, got ${describe(valueAt(value, issue.path))}`;
  });
  if (tokenProblem) problems.unshift(tokenProblem);
  if (contractsProblem) problems.unshift(contractsProblem);
  throw new StackConfigError(problems.join('\n'));
};

/**
 * Reads and validates the configuration from a construct's context (cdk.json, `-c`, or an App's
 * `context` prop), or validates a raw value passed directly.
 *
 * @param source a construct whose node context holds `salesNavExport`, or the raw context value
 */
export const loadStackConfig = (source: IConstruct | unknown): StackConfig => {
  const isConstruct =
    source !== null && typeof source === 'object' && 'node' in source && typeof (source as IConstruct).node?.tryGetContext === 'function';
  return parseStackConfig(isConstruct ? (source as IConstruct).node.tryGetContext(CONTEXT_KEY) : source);
};

/** The variables cdk.json decides; the stack fills in the others from its resources. */
export type ConfiguredVariable = Exclude<RuntimeVariable, ResourceVariable>;

/**
 * The Lambdas' environment for the configuration: every variable but the resources' (BUCKET_NAME,
 * LINKEDIN_TOKEN_SECRET_ID, LINKEDIN_APP_SECRET_ID, TOKEN_STORE_BUCKET), which the stack fills in. Every value is set
 * explicitly (the deployed handlers apply no defaults), and a name missing from the contract's
 * table, or one left out here, does not compile.
 */
export const runtimeEnvironment = (config: StackConfig): Omit<RuntimeEnvironment, ResourceVariable> =>
  encodeRuntimeEnvironment<ConfiguredVariable>({
    // Not in cdk.json: LinkedIn's production API, at the contract's timeout.
    LINKEDIN_API_URL: RUNTIME_DEFAULTS.LINKEDIN_API_URL,
    LINKEDIN_TIMEOUT_MS: RUNTIME_DEFAULTS.LINKEDIN_TIMEOUT_MS,
    CONTRACTS: config.contracts,
    DISCOVER_CONTRACTS: config.discoverContracts,
    EXPORT_TYPES: config.exportTypes,
    LAG_DAYS: config.lagDays,
    WINDOW_DAYS: config.windowDays,
    EARLIEST_DAY: RUNTIME_VARIABLES.EARLIEST_DAY.schema.parse(config.earliestDay),
    KEY_PREFIX: config.keyPrefix,
    ALLOWED_DOWNLOAD_HOSTS: config.allowedDownloadHosts,
    POLL_INITIAL_SECONDS: config.pollInitialSeconds,
    POLL_MAX_SECONDS: config.pollMaxSeconds,
    JOB_DEADLINE_SECONDS: config.jobDeadlineHours * SECONDS_PER_HOUR,
    MAX_POLLS: config.maxPolls,
    MAX_RECREATES: config.maxRecreates,
    RECREATE_BASE_SECONDS: config.recreateBaseSeconds,
    DATA_DELAY_WAIT_SECONDS: config.dataDelayWaitSeconds,
    MAX_DATA_DELAY_RETRIES: config.maxDataDelayRetries,
    // Not in cdk.json: deployed, Step Functions answers for a claim's owner and the lease rarely matters.
    CLAIM_LEASE_SECONDS: RUNTIME_DEFAULTS.CLAIM_LEASE_SECONDS,
    URL_MIN_REMAINING_SECONDS: config.urlMinRemainingSeconds,
    COPY_SAFETY_MARGIN_SECONDS: config.copySafetyMarginSeconds,
    MAX_URL_REFRESHES: config.maxUrlRefreshes,
    PART_SIZE_MB: config.partSizeMb,
    UPLOAD_QUEUE_SIZE: config.uploadQueueSize,
    REQUIRE_FINAL_LINE_BREAK: config.requireFinalLineBreak,
    EXPECTED_COLUMNS: config.expectedColumns,
    LINKEDIN_OAUTH_URL: config.linkedInOAuthUrl,
    TOKEN_REFRESH_DAYS: config.tokenRefreshDays,
    TOKEN_ALARM_DAYS: config.tokenAlarmDays,
    REFRESH_TOKEN_ALARM_DAYS: config.refreshTokenAlarmDays,
  });
