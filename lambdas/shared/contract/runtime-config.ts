/**
 * The Lambdas' runtime configuration: every environment variable, its type, its default and its
 * meaning, in one table. infra/ renders a deployment's environment from it (a name that is not in
 * the table does not compile), the deployed handlers parse it at cold start, and the local runner
 * and the benchmark build the same values without touching `process.env`.
 *
 * The deployed stack sets every variable explicitly, so the Lambdas apply no defaults: a variable
 * that is missing (or misspelt by a hand edit in the console) fails the cold start, naming it,
 * instead of silently falling back to a default. Written with zod/mini to keep zod's full build
 * out of the Lambda bundles.
 */
import * as z from 'zod/mini';
import './zod-locale';
import { ERROR_NAMES, NamedError } from './error-names';
import { type ExpectedColumnsOverride, expectedColumnsProblems } from './export-schemas';
import { CONTRACT_URN, EXPORT_TYPES } from './export-types';
import { formatUtcDay, parseUtcDay } from './utc-day';
import { DEFAULT_LINKEDIN_API_URL, DEFAULT_LINKEDIN_OAUTH_URL, LINKEDIN_DOWNLOAD_HOSTS, MAX_JOB_DAYS } from './linkedin-limits';

/** One variable: how its string is parsed and how a typed value is written back. */
interface Variable<T> {
  readonly schema: z.ZodMiniType<T, string>;
  readonly encode: (value: T) => string;
  readonly doc: string;
}
/** A variable with the default infra and the local runner apply (the others come from stack resources). */
interface Defaulted<T> extends Variable<T> {
  readonly fallback: T;
}

const defaulted = <T>(schema: z.ZodMiniType<T, string>, encode: (value: T) => string, doc: string, fallback: T): Defaulted<T> => ({
  schema,
  encode,
  doc,
  fallback,
});

/** A whole number with its bounds, which infra's cdk.json validation repeats from here. */
interface Bounded extends Defaulted<number> {
  readonly min: number;
  readonly max?: number;
}

/** Filled in by the stack from one of its resources. */
const resource = (doc: string): Variable<string> => ({ schema: z.string().check(z.minLength(1)), encode: String, doc });

/** A whole number of some unit, as the variable's name says (`_SECONDS`, `_DAYS`, `_MS`, a count). */
const wholeNumber = (doc: string, fallback: number, min: number, max?: number): Bounded => ({
  ...defaulted(
    z.pipe(
      z.string().check(z.regex(/^\d+$/, { error: 'expected a whole number' })),
      z.pipe(
        z.transform((value: string) => Number(value)),
        z
          .number()
          .check(
            z.minimum(min, { error: `expected at least ${min}` }),
            z.maximum(max ?? Number.MAX_SAFE_INTEGER, { error: `expected at most ${max}` }),
          ),
      ),
    ),
    String,
    doc,
    fallback,
  ),
  min,
  ...(max !== undefined && { max }),
});

/** `true` or `false`, exactly. */
const flag = (doc: string, fallback: boolean): Defaulted<boolean> =>
  defaulted(
    z.pipe(
      z.string().check(z.regex(/^(true|false)$/, { error: 'expected true or false' })),
      z.transform((value: string) => value === 'true'),
    ),
    String,
    doc,
    fallback,
  );

/** A comma-separated list (empty items dropped). */
const list = <T extends string>(item: z.ZodMiniType<T, string>, doc: string, fallback: readonly T[]) =>
  defaulted<T[]>(
    z.pipe(
      z.string(),
      z.pipe(
        z.transform((value: string) =>
          value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part.length > 0),
        ),
        z.array(item),
      ),
    ),
    (values) => values.join(','),
    doc,
    [...fallback],
  );

/**
 * A UTC day written `YYYY-MM-DD`, as the epoch ms of its 00:00 UTC, not before 1970-01-01: the
 * state schemas carry windows as non-negative epoch ms.
 */
const utcDay = (doc: string, fallback: string): Defaulted<number> => {
  const schema = z.pipe(
    z.string().check(z.refine((text) => parseUtcDay(text) !== undefined, { error: 'expected a day written YYYY-MM-DD' })),
    z.pipe(
      z.transform((text: string) => parseUtcDay(text) as number),
      z.number().check(z.minimum(0, { error: 'expected a day on or after 1970-01-01' })),
    ),
  );
  const fallbackMs = parseUtcDay(fallback);
  if (fallbackMs === undefined) throw new RangeError(`not a YYYY-MM-DD day: ${fallback}`);
  return defaulted(schema, formatUtcDay, doc, fallbackMs);
};

/**
 * A JSON object, checked by `problems` (the first one becomes the message); written back as
 * compact JSON.
 */
const json = <T>(doc: string, fallback: T, problems: (value: unknown) => string[]): Defaulted<T> =>
  defaulted(
    z.pipe(
      z.string(),
      z.transform((text: string, ctx) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          ctx.issues.push({ code: 'custom', input: text, message: 'expected JSON' });
          return z.NEVER;
        }
        const [first, ...more] = problems(value);
        if (first === undefined) return value as T;
        ctx.issues.push({ code: 'custom', input: text, message: more.length > 0 ? `${first} (and ${more.length} more)` : first });
        return z.NEVER;
      }),
    ),
    (value) => JSON.stringify(value),
    doc,
    fallback,
  );

export const RUNTIME_VARIABLES = {
  LINKEDIN_API_URL: defaulted(z.url(), String, "Base URL of LinkedIn's REST API (docs/linkedin-api.md §3).", DEFAULT_LINKEDIN_API_URL),
  LINKEDIN_TOKEN_SECRET_ID: resource('Secrets Manager id/ARN of the LinkedIn access token (the stack fills it in).'),
  LINKEDIN_TIMEOUT_MS: wholeNumber('Timeout of one LinkedIn API call, in milliseconds.', 30_000, 1),
  LINKEDIN_APP_SECRET_ID: resource(
    'Secrets Manager id/ARN of the LinkedIn app credentials, JSON {"clientId", "clientSecret"} (the stack fills it in; docs/tokens.md).',
  ),
  TOKEN_STORE_BUCKET: resource('The bucket holding the named LinkedIn authorizations, SSE-KMS (the stack fills it in; docs/tokens.md).'),
  LINKEDIN_OAUTH_URL: defaulted(
    z.url(),
    String,
    "Base URL of LinkedIn's OAuth 2.0 endpoints (docs/linkedin-api.md §9).",
    DEFAULT_LINKEDIN_OAUTH_URL,
  ),
  // Refresh before the expiry alarm would fire: a refresh that fails then has days of daily
  // retries before anyone is paged for the expiry itself (docs/tokens.md).
  TOKEN_REFRESH_DAYS: wholeNumber(
    'An access token with this many days or fewer left is refreshed (when a refresh token exists).',
    21,
    1,
    59,
  ),
  TOKEN_ALARM_DAYS: wholeNumber('TokenDaysRemaining below this raises the token-expiry alarm.', 14, 1, 59),
  REFRESH_TOKEN_ALARM_DAYS: wholeNumber('RefreshTokenDaysRemaining below this raises the refresh-token-expiry alarm.', 30, 1, 364),

  CONTRACTS: list(z.string().check(z.regex(CONTRACT_URN)), 'Contracts a run without explicit contracts exports.', []),
  // A partner does not hand-edit 10,000 URNs: the Plan asks LinkedIn's contracts finder instead.
  DISCOVER_CONTRACTS: flag(
    "A run without explicit contracts also exports every contract on which the token has reporting access (LinkedIn's contracts finder).",
    false,
  ),
  EXPORT_TYPES: list(z.enum(EXPORT_TYPES), 'Export types a run without explicit types exports.', EXPORT_TYPES),
  LAG_DAYS: wholeNumber("Days between the schedule's time and the window's end (LinkedIn refreshes every 24 h).", 1, 0),
  WINDOW_DAYS: wholeNumber('Days in the window a scheduled or empty-input run exports.', 1, 1, MAX_JOB_DAYS),
  // Sales Navigator launched in 2014, so no contract has analytics from before it; an earlier
  // date (a typo, 1900-01-01, 0001-01-01) would only plan empty or refused jobs, dozens per pair.
  EARLIEST_DAY: utcDay(
    'The earliest UTC day (YYYY-MM-DD) an execution may export; earlier startAt/endAt/scheduledTime is InvalidInput.',
    '2014-01-01',
  ),

  BUCKET_NAME: resource('The export bucket (the stack fills it in).'),
  KEY_PREFIX: defaulted(z.string(), String, 'Key prefix of every export object ("" or ending in "/").', 'linkedin-sales-navigator/'),
  ALLOWED_DOWNLOAD_HOSTS: list(
    z.string().check(z.minLength(1)),
    'Origins a downloadUrl (and its redirects) may point to; a bare host name means https on port 443.',
    LINKEDIN_DOWNLOAD_HOSTS,
  ),

  POLL_INITIAL_SECONDS: wholeNumber('First wait between two checks of a job.', 30, 1),
  POLL_MAX_SECONDS: wholeNumber('Cap of the exponential wait between checks.', 600, 1),
  JOB_DEADLINE_SECONDS: wholeNumber('A job not finished this long after its creation fails (PollDeadlineExceeded).', 12 * 3600, 1),
  MAX_POLLS: wholeNumber('Checks of one job before it fails (PollDeadlineExceeded).', 200, 1),
  MAX_RECREATES: wholeNumber('Re-creations after FAILED_DUE_TO_TIMED_OUT / INTERNAL_ERROR.', 3, 0),
  RECREATE_BASE_SECONDS: wholeNumber('Wait before the first re-creation, doubled each time.', 60, 1),
  DATA_DELAY_WAIT_SECONDS: wholeNumber('Wait after FAILED_DUE_TO_DATA_DELAY before creating the job again.', 3 * 3600, 1),
  MAX_DATA_DELAY_RETRIES: wholeNumber('Retries after FAILED_DUE_TO_DATA_DELAY.', 4, 0),
  // Deployed, Step Functions says whether a claim's owner runs; the lease only decides when it
  // cannot (a denied DescribeExecution, a local run of another machine). docs/design.md, "Exactly once".
  CLAIM_LEASE_SECONDS: wholeNumber(
    "How long a ledger claim holds when its owner's liveness cannot be checked; after that another execution may take it over.",
    24 * 3600,
    60,
  ),

  URL_MIN_REMAINING_SECONDS: wholeNumber('A downloadUrl with less time left than this is refreshed before the copy.', 300, 1),
  COPY_SAFETY_MARGIN_SECONDS: wholeNumber("The copy stops this long before the Lambda's deadline.", 30, 1),
  MAX_URL_REFRESHES: wholeNumber('Fresh GETs of a job for a new downloadUrl during one copy.', 3, 0),
  // 8 MiB × 4 in flight: ~360 parts for LinkedIn's 3 GB cap, and a peak RSS that stays flat
  // (~200 MiB) from 100 MB to 3 GB in `npm run bench`; 16 MiB parts measured ~40 MiB more.
  PART_SIZE_MB: wholeNumber('Multipart part size, in MiB (S3: at least 5).', 8, 5, 512),
  UPLOAD_QUEUE_SIZE: wholeNumber('Parts uploaded in parallel.', 4, 1, 16),
  // ASSUMPTION (docs/linkedin-api.md §10.4): LinkedIn's files end with a line break. With it, a
  // Content-Length shorter than the file is caught wherever the cut falls (lambdas/shared/copy/csv-rows.ts).
  REQUIRE_FINAL_LINE_BREAK: flag(
    'A non-empty download must end with a line break; without one it was cut short (TruncatedDownload). Turn off if LinkedIn files lack it.',
    true,
  ),
  // Only the activity columns are documented (docs/linkedin-api.md §10): the first real outcome or
  // seat file may differ, and a deployment accepts it by listing its header (cdk.json expectedColumns).
  EXPECTED_COLUMNS: json<ExpectedColumnsOverride>(
    'The columns a file of each export type must start with, as JSON {"seat": ["seatId", …]}; a type left out (default {}) expects its built-in columns (lambdas/shared/contract/export-schemas.ts).',
    {},
    expectedColumnsProblems,
  ),
} as const;

export type RuntimeVariable = keyof typeof RUNTIME_VARIABLES;
type ValueOf<V> = V extends Variable<infer T> ? T : never;

/** The parsed configuration, keyed by variable name. */
export type RuntimeConfig = { -readonly [K in RuntimeVariable]: ValueOf<(typeof RUNTIME_VARIABLES)[K]> };
/** What a Lambda's environment holds: every variable, as a string. */
export type RuntimeEnvironment = Record<RuntimeVariable, string>;
/** Where the deployed authorization sources live: theirs to read, not the handlers'. */
export const DEPLOYED_ONLY_VARIABLES = ['LINKEDIN_TOKEN_SECRET_ID', 'LINKEDIN_APP_SECRET_ID', 'TOKEN_STORE_BUCKET'] as const;
export type DeployedOnlyVariable = (typeof DEPLOYED_ONLY_VARIABLES)[number];
/** What the handlers read: the secrets' ids and the token store are the deployed token source's, not theirs. */
export type HandlerConfig = Omit<RuntimeConfig, DeployedOnlyVariable>;

type WithFallback = {
  [K in RuntimeVariable]: (typeof RUNTIME_VARIABLES)[K] extends { readonly fallback: unknown } ? K : never;
}[RuntimeVariable];
/** The whole-number variables (poll and copy policy, lag, window). */
export type BoundedVariable = {
  [K in RuntimeVariable]: (typeof RUNTIME_VARIABLES)[K] extends { readonly min: number } ? K : never;
}[RuntimeVariable];
/** The variables that come from the stack's resources, not from a default or cdk.json. */
export type ResourceVariable = Exclude<RuntimeVariable, WithFallback>;

const entries = Object.entries(RUNTIME_VARIABLES) as Array<[RuntimeVariable, Variable<unknown> & Partial<Defaulted<unknown>>]>;

/** Every default, typed: the single source of them for infra, the local runner and the benchmark. */
export const RUNTIME_DEFAULTS = Object.fromEntries(
  entries.filter(([, v]) => v.fallback !== undefined).map(([name, v]) => [name, v.fallback]),
) as Pick<RuntimeConfig, WithFallback>;

/** Writes typed values as the environment strings the Lambdas parse back (only the keys given). */
export const encodeRuntimeEnvironment = <K extends RuntimeVariable>(values: Pick<RuntimeConfig, K>): Pick<RuntimeEnvironment, K> =>
  Object.fromEntries(entries.filter(([name]) => name in values).map(([name, v]) => [name, v.encode(values[name as K])])) as Pick<
    RuntimeEnvironment,
    K
  >;

const describe = (value: string | undefined): string => {
  if (value === undefined) return 'it is not set';
  const json = JSON.stringify(value);
  return `got ${json.length > 60 ? `${json.slice(0, 57)}..."` : json}`;
};

const parseVariables = <K extends RuntimeVariable>(names: readonly K[], env: Readonly<Record<string, string | undefined>>) => {
  const problems: string[] = [];
  const config: Partial<Record<K, unknown>> = {};
  for (const name of names) {
    const raw = env[name];
    const parsed = raw === undefined ? undefined : RUNTIME_VARIABLES[name].schema.safeParse(raw);
    if (parsed?.success) config[name] = parsed.data;
    else problems.push(`${name}: ${parsed?.error.issues[0]?.message ?? 'required'} (${describe(raw)})`);
  }
  if (problems.length > 0) throw new NamedError(ERROR_NAMES.config, `Invalid Lambda configuration: ${problems.join('; ')}`);
  return config as Pick<RuntimeConfig, K>;
};

const ALL = entries.map(([name]) => name);

/**
 * Parses a deployed Lambda's environment: every variable of the table must be present.
 *
 * @throws NamedError `ConfigError` naming every missing or bad variable
 */
export const parseRuntimeConfig = (env: Readonly<Record<string, string | undefined>>): RuntimeConfig => parseVariables(ALL, env);

/**
 * Parses the handlers' part of an environment (everything but the token's secret id), e.g. the
 * literal environment of a synthesized template in the local runner.
 *
 * @throws NamedError `ConfigError` naming every missing or bad variable
 */
export const parseHandlerConfig = (env: Readonly<Record<string, string | undefined>>): HandlerConfig =>
  parseVariables(
    ALL.filter(
      (name): name is Exclude<RuntimeVariable, DeployedOnlyVariable> => !(DEPLOYED_ONLY_VARIABLES as readonly string[]).includes(name),
    ),
    env,
  );
