/**
 * `npm start -- [options]`: the command line of the embedded default, parsed into
 * {@link RunLocalOptions}. Usage mistakes are caught here (exit 2) with a message saying what
 * to type instead; the execution input itself is validated by the workflow's Plan state.
 */
import { LOOPBACK_HOSTS } from '../../lambdas/shared/contract/linkedin-limits';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { expectedColumnsProblems } from '../../lambdas/shared/contract/export-schemas';
import { CONTRACT_URN, type ExportType } from '../../lambdas/shared/contract/export-types';
import { HEADER_CHANGE_FLAG_HELP, headerChangesFromFlags } from '../simulator';
import { parseUtcDay } from '../../lambdas/shared/contract/utc-day';
import { exportTypesFor, type ExportRequest } from './request';
import { DEFAULT_BUCKET, DEFAULT_TIME_SCALE } from './defaults';
import { DEFAULT_LOCAL_TOKENS_DIRECTORY } from '../tokens/local-store';
import type { RunLocalOptions } from './run-local';

export const START_HELP = `Run the real export workflow locally: the state machine CDK synthesizes, executed by
aws-local-stepfunctions, with the real Lambda handlers in-process. By default against a LinkedIn
simulator and a local S3 (s3rver, data kept under .local/s3).

Usage: npm start -- [options]

What to export
  --type T              activity | activityOutcome | seat | all (default: all)
  --contract URN        a contract, e.g. urn:li:contract:123456; repeat for several
                        (default: the simulator's contract; against a real API, every
                        contract on which the token has reporting access)
  --from YYYY-MM-DD     first day (00:00 UTC, inclusive)
  --to YYYY-MM-DD       end day (00:00 UTC, exclusive); with --from. Default: the window a
                        scheduled run exports today
  --input JSON|@FILE    exactly the input a console execution takes, e.g.
                        '{"startAt": "2026-11-01", "endAt": "2026-11-08"}' (overrides the
                        four options above; to force it, write "force": true in it)
  --rerun-of NAME       export again exactly the pairs that failed in the earlier local
                        execution NAME (its run report in the same S3), each over its own
                        window: what \`npm run cli -- redrive\` starts for a deployed run
  --force               export the days even if the export ledger says they already
                        landed: each new object supersedes the older ones covering its
                        days (moved under superseded/, still recoverable). Puts
                        "force": true in the input; goes with the options above and with
                        --rerun-of. Without it, days already landed are skipped

Partner scale (the simulator the run starts)
  --simulator-contracts N       N contracts with reporting access, found by the Plan
                                through the contracts finder (default: LinkedIn's sample)
  --simulator-forbidden-contracts M   M more that the finder lists but whose jobs
                                answer 403 (each of their pairs fails LinkedInForbidden)

Tokens (docs/tokens.md)
  --token-days-left N           the simulator issues the run's access token with N days left
                                (0-59; 0: already expired). With 21 or fewer (cdk.json
                                tokenRefreshDays) it is refreshed before the run by the
                                rotation's four steps, as the deployed rotation would
  --simulator-no-refresh-tokens the simulator's app gets no refresh tokens (LinkedIn's default
                                for apps not approved for them): nothing to refresh with

Schema drift
  --simulator-header-change SPEC   the simulator's files of one export type get changed
                                columns, header and rows alike (repeatable, one per type):
                                ${HEADER_CHANGE_FLAG_HELP}
  --expected-columns JSON|@FILE    the columns each type's file must start with, as cdk.json
                                "expectedColumns" takes them, e.g. '{"seat": ["seatId", …]}'
                                (default: cdk.json's, else the built-in columns); what a
                                SchemaDrift cause says to set to accept a new header

Where from and where to
  --linkedin-url URL    LinkedIn API base (e.g. https://api.linkedin.com/v2 or
                        http://127.0.0.1:8080/v2) instead of starting the simulator; its host
                        is added to the download allowlist (http only for a loopback host)
  --token T             Bearer token for that API (default: env LINKEDIN_ACCESS_TOKEN; without
                        either, the authorizations \`npm run cli -- authorize --local\` stored
                        in .local/tokens, each pair using the one covering its contract)
  --s3-endpoint URL     an S3-compatible endpoint (path-style) instead of starting s3rver
  --bucket NAME         bucket (default: ${DEFAULT_BUCKET}); without --s3-endpoint this
                        means real AWS S3 (credentials from the standard AWS chain)
  --prefix P            key prefix (default: the deployment's, linkedin-sales-navigator/)
  --region R            AWS region (default: env AWS_REGION, else us-east-1)

How
  --time-scale F        multiply every wait by F (default: ${DEFAULT_TIME_SCALE}; 1 = real time)
  --json                print one JSON document on stdout at the end; progress on stderr
  --help                this text

Exit status: 0 when every export landed verified; 1 when the run failed (the error name and
cause are printed on stderr); 2 for a usage error.`;

export type ParsedStart =
  | { kind: 'help' }
  | { kind: 'usageError'; message: string }
  | { kind: 'run'; json: boolean; options: RunLocalOptions };

/** A mistake on the command line (exit status 2). */
export class UsageError extends Error {}

/** node:util parseArgs' own complaints (unknown option, missing value), which read well as they are. */
export const isParseArgsError = (error: unknown): boolean =>
  typeof (error as { code?: unknown } | null)?.code === 'string' && (error as { code: string }).code.startsWith('ERR_PARSE_ARGS');

const dayOption = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (parseUtcDay(value) === undefined) throw new UsageError(`--${name} ${JSON.stringify(value)} is not a day written YYYY-MM-DD`);
  return value;
};

const urlOption = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--${name} must be an http(s) URL`);
  return value.replace(/\/+$/, '');
};

/** The window/type/contract/force flags, shared with `npm run cli -- start` and `backfill`. */
export const REQUEST_FLAGS = {
  type: { type: 'string' },
  contract: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  force: { type: 'boolean' },
} as const;

/**
 * Validates the request flags.
 * @throws UsageError (a plain Error subclass) describing the mistake
 */
export const requestFromFlags = (values: {
  type?: string;
  contract?: string[];
  from?: string;
  to?: string;
  force?: boolean;
}): ExportRequest => {
  const exportTypes = exportTypesFor(values.type ?? 'all');
  if (!exportTypes) throw new UsageError(`--type ${JSON.stringify(values.type)} is not one of activity, activityOutcome, seat, all`);
  for (const contract of values.contract ?? []) {
    if (!CONTRACT_URN.test(contract))
      throw new UsageError(`--contract ${JSON.stringify(contract)} is not a contract URN like urn:li:contract:123456`);
  }
  const from = dayOption('from', values.from);
  const to = dayOption('to', values.to);
  if ((from === undefined) !== (to === undefined)) throw new UsageError('--from and --to go together (from inclusive, to exclusive)');
  if (from !== undefined && to !== undefined && from >= to)
    throw new UsageError(`--from ${from} must be before --to ${to} (--to is exclusive)`);
  return {
    exportTypes,
    ...(values.contract?.length && { contracts: [...new Set(values.contract)] }),
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
    ...(values.force === true && { force: true }),
  };
};

/**
 * `--input` is the whole input: a `--force` beside it would be silently left out of it, and a
 * forced export supersedes landed objects, so say where it goes instead.
 * @throws UsageError
 */
export const refuseForceWithInput = (input: string | undefined, force: boolean | undefined): void => {
  if (input !== undefined && force === true) {
    throw new UsageError('--force does not go with --input (the input is taken as it is): write "force": true in the input instead');
  }
};

/** `--input` value: inline JSON, or `@path` to a file holding it (read here, parsed by the runner). */
const inputText = (value: string | undefined, readFile: (file: string) => string): string | undefined => {
  if (value === undefined || !value.startsWith('@')) return value;
  try {
    return readFile(value.slice(1));
  } catch (error) {
    throw new UsageError(`--input ${value}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
};

/** `--simulator-header-change` values as the simulator's `headerChanges` fault. @throws UsageError */
const simulatorHeaderChanges = (values: string[] | undefined) => {
  if (!values?.length) return undefined;
  try {
    return headerChangesFromFlags(values);
  } catch (error) {
    throw new UsageError(`--simulator-header-change ${(error as Error).message}`);
  }
};

/** `--expected-columns` JSON (or `@file`), held to cdk.json's rules for `expectedColumns`. @throws UsageError */
const expectedColumnsOption = (
  value: string | undefined,
  readFile: (file: string) => string,
): Partial<Record<ExportType, string[]>> | undefined => {
  if (value === undefined) return undefined;
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFile(value.slice(1));
    } catch (error) {
      throw new UsageError(
        `--expected-columns ${value}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--expected-columns is not JSON: expected e.g. '{"seat": ["seatId", "seatHolderName", …]}'`);
  }
  const [problem, ...more] = expectedColumnsProblems(parsed);
  if (problem !== undefined) throw new UsageError(`--expected-columns: ${problem}${more.length > 0 ? ` (and ${more.length} more)` : ''}`);
  return parsed as Partial<Record<ExportType, string[]>>;
};

/**
 * Parses `npm start` arguments.
 *
 * @param argv the arguments after `--`
 * @param env for LINKEDIN_ACCESS_TOKEN
 */
export const parseStartArgs = (
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): ParsedStart => {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...REQUEST_FLAGS,
        input: { type: 'string' },
        'linkedin-url': { type: 'string' },
        token: { type: 'string' },
        's3-endpoint': { type: 'string' },
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        region: { type: 'string' },
        'time-scale': { type: 'string' },
        'rerun-of': { type: 'string' },
        'simulator-contracts': { type: 'string' },
        'simulator-forbidden-contracts': { type: 'string' },
        'simulator-header-change': { type: 'string', multiple: true },
        'token-days-left': { type: 'string' },
        'simulator-no-refresh-tokens': { type: 'boolean' },
        'expected-columns': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) return { kind: 'help' };
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);

    const request = requestFromFlags(values);
    const linkedInUrl = urlOption('linkedin-url', values['linkedin-url']);
    if (linkedInUrl) {
      const url = new URL(linkedInUrl);
      if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
        throw new UsageError(`--linkedin-url: plain http is allowed only for a loopback host (127.0.0.1, localhost), not ${url.hostname}`);
      }
    }
    const token = values.token ?? env.LINKEDIN_ACCESS_TOKEN;
    if (!linkedInUrl && values.token) throw new UsageError('--token is for --linkedin-url (the simulator has its own token)');

    let timeScale = DEFAULT_TIME_SCALE;
    if (values['time-scale'] !== undefined) {
      timeScale = Number(values['time-scale']);
      if (values['time-scale'].trim() === '' || !Number.isFinite(timeScale) || timeScale < 0) {
        throw new UsageError(`--time-scale ${JSON.stringify(values['time-scale'])} is not a number >= 0`);
      }
    }
    if (values.bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(values.bucket)) {
      throw new UsageError(`--bucket ${JSON.stringify(values.bucket)} is not a valid S3 bucket name`);
    }

    const input = inputText(values.input, readFile);
    refuseForceWithInput(input, values.force);
    // The flags as given: requestFromFlags always fills in exportTypes (--type all by default).
    if (
      values['rerun-of'] !== undefined &&
      (input !== undefined || values.type !== undefined || request.from || request.contracts?.length)
    ) {
      throw new UsageError(
        '--rerun-of exports the failed pairs of that execution: it takes no --input, --type, --contract, --from or --to, only --force',
      );
    }
    const count = (name: string, value: string | undefined): number | undefined => {
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value) || Number(value) > 100_000)
        throw new UsageError(`--${name} ${JSON.stringify(value)} is not a whole number from 0 to 100000`);
      return Number(value);
    };
    const contractCount = count('simulator-contracts', values['simulator-contracts']);
    const forbiddenContractCount = count('simulator-forbidden-contracts', values['simulator-forbidden-contracts']);
    if ((contractCount !== undefined || forbiddenContractCount !== undefined) && linkedInUrl) {
      throw new UsageError('--simulator-contracts and --simulator-forbidden-contracts shape the simulator: not with --linkedin-url');
    }
    const tokenDaysLeft = values['token-days-left'];
    if (tokenDaysLeft !== undefined && !(/^\d+$/.test(tokenDaysLeft) && Number(tokenDaysLeft) <= 59)) {
      throw new UsageError(`--token-days-left ${JSON.stringify(tokenDaysLeft)} is not a whole number from 0 to 59`);
    }
    if ((tokenDaysLeft !== undefined || values['simulator-no-refresh-tokens']) && linkedInUrl) {
      throw new UsageError("--token-days-left and --simulator-no-refresh-tokens shape the simulator's token: not with --linkedin-url");
    }
    const headerChanges = simulatorHeaderChanges(values['simulator-header-change']);
    if (headerChanges && linkedInUrl) throw new UsageError('--simulator-header-change shapes the simulator: not with --linkedin-url');
    const expectedColumns = expectedColumnsOption(values['expected-columns'], readFile);
    const simulatorOptions = {
      ...(contractCount !== undefined && { contractCount }),
      ...(forbiddenContractCount !== undefined && { forbiddenContractCount }),
      ...(headerChanges && { faults: { headerChanges } }),
      ...(values['simulator-no-refresh-tokens'] && { oauth: { refreshTokens: false } }),
    };
    const options: RunLocalOptions = {
      ...request,
      ...(input !== undefined && { inputText: input }),
      // No token given: the local token store, as `npm run cli -- authorize --local` fills it.
      ...(linkedInUrl && (token ? { linkedInUrl, token } : { linkedInUrl, tokensDirectory: DEFAULT_LOCAL_TOKENS_DIRECTORY })),
      ...(values['s3-endpoint'] !== undefined && { s3Endpoint: urlOption('s3-endpoint', values['s3-endpoint']) }),
      ...(values.bucket !== undefined && { bucket: values.bucket }),
      ...(values.prefix !== undefined && { prefix: values.prefix }),
      ...(values.region !== undefined && { region: values.region }),
      ...(values['rerun-of'] !== undefined && { rerunOf: values['rerun-of'] }),
      ...(tokenDaysLeft !== undefined && { tokenDaysLeft: Number(tokenDaysLeft) }),
      ...(Object.keys(simulatorOptions).length > 0 && { simulatorOptions }),
      // Synthesized as cdk.json's key would be: the Lambdas' EXPECTED_COLUMNS and the tables alike.
      ...(expectedColumns && { stackConfig: { expectedColumns } }),
      timeScale,
    };
    return { kind: 'run', json: values.json, options };
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'usageError', message: error.message };
    if (isParseArgsError(error)) return { kind: 'usageError', message: (error as Error).message };
    throw error;
  }
};
