/**
 * The execution input contract (what the console and the schedule send) and the plan it
 * becomes: one ExportTask per (contract × export type), each holding the job windows to
 * export in order. Everything is validated here, before any LinkedIn call, and every problem
 * is reported as `InvalidInput` with a message that names the field and says what is wrong.
 *
 * Accepted input (every field optional; unknown fields are rejected):
 * - `{}`: the default window (scheduledWindow of the execution's start time) for every
 *   configured contract and export type;
 * - `{"exportTypes": ["activity"], "contracts": ["urn:li:contract:123"],
 *    "startAt": "2026-11-01", "endAt": "2026-11-08"}`: an explicit window; dates are
 *   `YYYY-MM-DD` (00:00 UTC) or epoch milliseconds at 00:00 UTC; startAt inclusive, endAt
 *   exclusive; both or neither; no day before the deployment's earliest day (EARLIEST_DAY);
 * - `{"scheduledTime": "2026-11-28T06:00:00Z"}`: what the EventBridge schedule sends; the
 *   window is derived from it (not from "now"), so a retried or late start exports the same
 *   window. Cannot be combined with startAt/endAt.
 * - `{"rerunOf": "<execution>"}`: the failed pairs of that execution's run report, alone or with
 *   `force`.
 * - `"force": true` with any of the above: export the days even if the export ledger says they
 *   landed; each new object supersedes the older ones covering its days. `false` is the default.
 */
import '../contract/zod-locale';
import * as z from 'zod/mini';
import type { HandlerConfig } from '../contract/runtime-config';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import { CONTRACT_URN, EXPORT_TYPES, type ExportType } from '../contract/export-types';
import { EXECUTION_NAME_PATTERN } from '../contract/names';
import type { ExportTask, ExportWindow } from '../contract/state';
import { inputLimitProblem } from './input-limits';
import { plannedTask } from './transitions';
import { MAX_JOB_DAYS } from '../contract/linkedin-limits';
import { cutIntoJobWindows, formatWindow, isUtcMidnight, latestAllowedEndAt, scheduledWindow } from './windows';
import { formatUtcDay, parseUtcDay } from '../contract/utc-day';

export const INPUT_FIELDS = ['exportTypes', 'contracts', 'startAt', 'endAt', 'scheduledTime', 'rerunOf', 'force'] as const;

const DATE_HINT = 'use YYYY-MM-DD or epoch milliseconds at 00:00 UTC';
const EXPORT_TYPE_HINT = `use ${EXPORT_TYPES.slice(0, -1).join(', ')} or ${EXPORT_TYPES.at(-1)}`;
const CONTRACT_HINT = 'use urn:li:contract:<digits>, e.g. urn:li:contract:123456';
const SCHEDULED_TIME_EXAMPLE = '2026-11-28T06:00:00Z';

/**
 * A value as it appears in a message: JSON for scalars (long ones cut, the message ends up in
 * the execution's error cause), its kind for containers.
 */
const show = (value: unknown): string => {
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 60)}…" (${json.length - 2} characters)` : json;
};

/**
 * Bounds of the InvalidInput message, which becomes the execution's error cause. Step Functions
 * cuts a cause at 32,768 characters and the console shows it on one line: an input with a 1 MB
 * key or 10,000 bad entries must still give a short cause that says what to fix first.
 */
const MAX_PROBLEMS = 5;
const MAX_PROBLEM_CHARS = 300;
const MAX_CAUSE_CHARS = 2000;
const MAX_LISTED_KEYS = 5;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Fails a transform with `message` (a zod/mini transform gets no `ctx.addIssue`: push the issue). */
const reject = (ctx: z.core.ParsePayload, message: string): never => {
  ctx.issues.push({ code: 'custom', input: ctx.value, message });
  return z.NEVER;
};

/** A day given as `YYYY-MM-DD` or epoch ms at 00:00 UTC, as epoch ms. */
const utcDay = z.pipe(
  z.unknown(),
  z.transform((value, ctx): number => {
    let ms: number | undefined;
    if (typeof value === 'string') ms = parseUtcDay(value);
    else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      if (!isUtcMidnight(value)) {
        // Unix tools print seconds; 1e11 s is year 5138, so a smaller midnight-in-seconds value is one.
        const seconds = value < 1e11 && isUtcMidnight(value * 1000);
        return reject(
          ctx,
          seconds
            ? `${value} looks like epoch seconds (${formatUtcDay(value * 1000)}); ${DATE_HINT}, e.g. ${value * 1000}`
            : `${value} (${new Date(value).toISOString()}) is not at 00:00 UTC (windows are whole UTC days; ${DATE_HINT})`,
        );
      }
      ms = value;
    }
    if (ms === undefined) return reject(ctx, `${show(value)} is not a date (${DATE_HINT})`);
    return ms;
  }),
);

const isoDateTime = z.iso.datetime({ offset: true });

/** The scheduler's `<aws.scheduler.scheduled-time>`, e.g. `2026-11-28T06:00:00Z`, as epoch ms. */
const scheduledTime = z.pipe(
  z.unknown(),
  z.transform((value, ctx): number => {
    // The regex accepts 2026-02-30 and Date would roll it over to March: check the day too.
    if (typeof value === 'string' && isoDateTime.safeParse(value).success && parseUtcDay(value.slice(0, 10)) !== undefined) {
      return Date.parse(value);
    }
    return reject(
      ctx,
      `${show(value)} is not an ISO-8601 date-time (the schedule sends <aws.scheduler.scheduled-time>, e.g. "${SCHEDULED_TIME_EXAMPLE}")`,
    );
  }),
);

/** A non-empty list without repeats; `what` names one entry in messages. */
const uniqueList = <T extends z.ZodMiniType<string>>(item: T, what: string, omitHint: string) =>
  z
    .array(item, {
      error: (issue) => (issue.code === 'invalid_type' ? `must be a list of ${what}s, got ${show(issue.input)}` : undefined),
    })
    .check(
      z.minLength(1, { error: `must not be empty (${omitHint})` }),
      z.superRefine((values: string[], ctx) => {
        // One problem per repeated value, however often it repeats.
        const seen = new Set<string>();
        const repeated = new Set<string>();
        for (const value of values) {
          if (seen.has(value)) repeated.add(value);
          seen.add(value);
        }
        for (const value of repeated) ctx.addIssue({ code: 'custom', message: `${show(value)} is listed more than once` });
      }),
    );

const exportType = z.enum(EXPORT_TYPES, {
  error: (issue) => `${show(issue.input)} is not an export type (${EXPORT_TYPE_HINT})`,
});

const contract = z
  .string({ error: (issue) => `${show(issue.input)} is not a contract URN (${CONTRACT_HINT})` })
  .check(z.regex(CONTRACT_URN, { error: (issue) => `${show(issue.input)} is not a contract URN (${CONTRACT_HINT})` }));

export const executionInputSchema = z.strictObject(
  {
    exportTypes: z.optional(uniqueList(exportType, 'export type', 'leave the field out to export every configured type')),
    contracts: z.optional(uniqueList(contract, 'contract URN', 'leave the field out to export every configured contract')),
    startAt: z.optional(utcDay),
    endAt: z.optional(utcDay),
    scheduledTime: z.optional(scheduledTime),
    /** Another execution's name: export again exactly the pairs its run report lists as failed. */
    rerunOf: z.optional(
      z.string({ error: (issue) => `${show(issue.input)} is not an execution name` }).check(
        z.regex(EXECUTION_NAME_PATTERN, {
          error: (issue) => `${show(issue.input)} is not an execution name (1-80 characters, no spaces or / : , ; and the like)`,
        }),
      ),
    ),
    /**
     * Export the days again even if they landed. A JSON boolean only: "true" or 1 from a hand-written
     * input is refused rather than read as a yes, since forcing supersedes landed objects.
     */
    force: z.optional(
      z.boolean({
        error: (issue) =>
          `${show(issue.input)} is not true or false (true exports the days again even if they landed; leave it out or give false otherwise)`,
      }),
    ),
  },
  {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const listed = issue.keys.slice(0, MAX_LISTED_KEYS).map(show).join(', ');
        const more = issue.keys.length > MAX_LISTED_KEYS ? ` and ${issue.keys.length - MAX_LISTED_KEYS} more` : '';
        return `unknown field${issue.keys.length > 1 ? 's' : ''} ${listed}${more} (allowed: ${INPUT_FIELDS.join(', ')})`;
      }
      if (issue.code === 'invalid_type') {
        return `expected a JSON object such as {} or {"startAt": "2026-11-01", "endAt": "2026-11-08"}, got ${
          issue.input === null ? 'null' : show(issue.input)
        }`;
      }
      return undefined;
    },
  },
);

/** The input after validation: dates and scheduledTime as epoch ms. */
export type ParsedExecutionInput = z.output<typeof executionInputSchema>;

/** The first MAX_PROBLEMS problems, each clipped, then how many more: see MAX_CAUSE_CHARS. */
const invalidInput = (problems: string[]): NamedError => {
  const listed = problems.slice(0, MAX_PROBLEMS).map((problem) => clip(problem, MAX_PROBLEM_CHARS));
  if (problems.length > MAX_PROBLEMS) listed.push(`and ${problems.length - MAX_PROBLEMS} more problems`);
  return new NamedError(ERROR_NAMES.invalidInput, clip(`Invalid input: ${listed.join('; ')}`, MAX_CAUSE_CHARS));
};

/** `exportTypes[1]: …`; problems with the whole input carry no field. */
const problemOf = (issue: z.core.$ZodIssue): string => {
  const field = issue.path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index > 0 ? '.' : ''}${String(part)}`))
    .join('');
  return field ? `${field}: ${issue.message}` : issue.message;
};

/**
 * Validates the shape and the fields one by one (not the combination: see resolvePlanRequest).
 * @throws NamedError `InvalidInput` listing every problem found
 */
export const parseExecutionInput = (input: unknown): ParsedExecutionInput => {
  const parsed = executionInputSchema.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues.map(problemOf));
  return parsed.data;
};

/** What resolvePlanRequest needs from the deployment. */
export interface PlanSettings {
  /** Contract URNs exported when the input names none. */
  contracts: string[];
  /** Export types exported when the input names none. */
  exportTypes: ExportType[];
  /** See scheduledWindow. */
  lagDays: number;
  /** Days in the window of a scheduled run or of `{}`. */
  windowDays: number;
  /** Epoch ms of the earliest UTC day a window may include (EARLIEST_DAY). */
  earliestDay: number;
  /** Without contracts in the input, also export every reporting contract LinkedIn lists (DISCOVER_CONTRACTS). */
  discoverContracts: boolean;
}

/** The plan settings of the deployment (environment variables, see config.ts). */
export const planSettingsFromConfig = (
  config: Pick<HandlerConfig, 'CONTRACTS' | 'EXPORT_TYPES' | 'LAG_DAYS' | 'WINDOW_DAYS' | 'EARLIEST_DAY' | 'DISCOVER_CONTRACTS'>,
): PlanSettings => ({
  discoverContracts: config.DISCOVER_CONTRACTS,
  contracts: [...config.CONTRACTS],
  exportTypes: [...config.EXPORT_TYPES],
  lagDays: config.LAG_DAYS,
  windowDays: config.WINDOW_DAYS,
  earliestDay: config.EARLIEST_DAY,
});

/**
 * The window the input asks for, or the problems with the combination of its fields. A window
 * may not start before settings.earliestDay (dates before it pass the field checks, 1900-01-01
 * or 0001-01-01, and would plan empty or refused jobs by the dozen); one named by the input
 * (startAt/endAt or scheduledTime) may not end after latestAllowedEndAt; the default window
 * cannot, since it ends lagDays >= 0 days before today.
 */
const resolveWindow = (
  input: ParsedExecutionInput,
  nowMs: number,
  settings: PlanSettings,
): { window: ExportWindow } | { problems: string[] } => {
  const { startAt, endAt, scheduledTime: scheduledMs } = input;
  const latest = latestAllowedEndAt(nowMs);
  const tooLate = `the execution started ${new Date(nowMs).toISOString()}, so the latest allowed endAt is ${formatUtcDay(latest)} (end exclusive)`;
  const earliest = `${formatUtcDay(settings.earliestDay)}, the earliest day this deployment exports (earliestDay in cdk.json)`;

  if (scheduledMs !== undefined) {
    if (startAt !== undefined || endAt !== undefined) {
      return {
        problems: [
          'scheduledTime cannot be combined with startAt/endAt (a scheduled run derives its window from ' +
            'scheduledTime; give startAt and endAt alone for an explicit window)',
        ],
      };
    }
    const window = scheduledWindow(scheduledMs, settings.lagDays, settings.windowDays);
    const derived = `scheduledTime: ${new Date(scheduledMs).toISOString()} gives the window ${formatWindow(window)}`;
    if (window.startAt < settings.earliestDay) return { problems: [`${derived}, which starts before ${earliest}`] };
    if (window.endAt > latest) return { problems: [`${derived}, which is in the future: ${tooLate}`] };
    return { window };
  }
  if (startAt === undefined && endAt === undefined) {
    const window = scheduledWindow(nowMs, settings.lagDays, settings.windowDays);
    if (window.startAt < settings.earliestDay) {
      return { problems: [`the default window ${formatWindow(window)} starts before ${earliest}`] };
    }
    return { window };
  }
  if (startAt === undefined || endAt === undefined) {
    return {
      problems: [
        `${startAt === undefined ? 'startAt' : 'endAt'}: missing; give both startAt (inclusive) and endAt ` +
          '(exclusive), or neither for the default window',
      ],
    };
  }
  const problems: string[] = [];
  if (startAt < settings.earliestDay) problems.push(`startAt: ${formatUtcDay(startAt)} is before ${earliest}`);
  if (endAt <= settings.earliestDay) problems.push(`endAt: ${formatUtcDay(endAt)} is not after ${earliest}`);
  if (problems.length === 0 && startAt >= endAt) {
    problems.push(
      `startAt: ${formatUtcDay(startAt)} is not before endAt ${formatUtcDay(endAt)} (startAt is inclusive, ` +
        'endAt exclusive: one day is e.g. "startAt": "2026-11-01", "endAt": "2026-11-02")',
    );
  }
  if (endAt > latest) problems.push(`endAt: ${formatUtcDay(endAt)} is in the future: ${tooLate}`);
  return problems.length > 0 ? { problems } : { window: { startAt, endAt } };
};

/** The input asks to export again the failed pairs of an earlier execution (its run report says which). */
export interface RerunRequest {
  rerunOf: string;
  /** `"force": true`: export their days even if they landed since (see PlanRequest.force). */
  force: boolean;
}

/** What the input asks for, validated: the pairs are its contracts × its export types, over its window. */
export interface PlanRequest {
  /** The input's contracts, else the configured ones (maybe none, when discovery adds them). */
  contracts: string[];
  /** Ask LinkedIn's contracts finder for more (the input named no contracts and discovery is on). */
  discover: boolean;
  exportTypes: ExportType[];
  window: ExportWindow;
  /** `"force": true`: export the days even if the ledger says they landed (superseding the old objects). */
  force: boolean;
}

/**
 * Validates the execution input against the deployment's settings, before any LinkedIn call.
 *
 * A window may not end after the end of the execution's current UTC day (latestAllowedEndAt),
 * counted from `executionStartTime`, never from the Lambda's clock, so a redriven execution
 * decides the same way.
 *
 * @param input the execution input exactly as given
 * @param executionStartTime `$$.Execution.StartTime` (ISO-8601): "now" for the default window
 *   and for the future check
 * @throws NamedError `InvalidInput` naming the field(s) at fault; `ConfigError` when
 *   executionStartTime is not a time (the state machine's wiring, not the user's input)
 */
export const resolvePlanRequest = (input: unknown, executionStartTime: string, settings: PlanSettings): PlanRequest | RerunRequest => {
  const nowMs = typeof executionStartTime === 'string' ? Date.parse(executionStartTime) : Number.NaN;
  if (!Number.isFinite(nowMs)) {
    throw new NamedError(
      ERROR_NAMES.config,
      `executionStartTime must be an ISO-8601 time (the state machine passes $$.Execution.StartTime), got ${show(executionStartTime)}`,
    );
  }
  // Step Functions' input quota and a nesting bound, before anything walks the input.
  const limitProblem = inputLimitProblem(input);
  if (limitProblem) throw invalidInput([limitProblem]);
  const parsed = parseExecutionInput(input);
  const force = parsed.force === true;
  if (parsed.rerunOf !== undefined) {
    // force changes how the pairs are exported, not which: it is the one field a rerun takes.
    const others = Object.keys(input as object).filter((key) => key !== 'rerunOf' && key !== 'force');
    if (others.length > 0) {
      throw invalidInput([
        `rerunOf cannot be combined with ${others.join(', ')} (a rerun exports exactly the failed pairs of that execution, ` +
          'over their own windows; only force may go with it)',
      ]);
    }
    return { rerunOf: parsed.rerunOf, force };
  }

  const problems: string[] = [];
  const contracts = parsed.contracts ?? settings.contracts;
  const discover = parsed.contracts === undefined && settings.discoverContracts;
  if (contracts.length === 0 && !discover) {
    problems.push(
      'contracts: none given and none configured (pass e.g. "contracts": ["urn:li:contract:123456"], ' +
        "or set the deployment's contracts or discoverContracts)",
    );
  }
  const exportTypes = parsed.exportTypes ?? settings.exportTypes;
  if (exportTypes.length === 0) {
    problems.push(`exportTypes: none given and none configured (pass e.g. "exportTypes": ["activity"]; ${EXPORT_TYPE_HINT})`);
  }
  const resolved = resolveWindow(parsed, nowMs, settings);
  if ('problems' in resolved) problems.push(...resolved.problems);
  if (problems.length > 0 || !('window' in resolved)) throw invalidInput(problems);
  return { contracts: [...contracts], discover, exportTypes: [...exportTypes], window: resolved.window, force };
};

/**
 * One ExportTask per (contract × export type), contracts outer, in the order given; each task's
 * `pending` holds the window cut into jobs of at most 90 days, and starts at `next: 'claim'`;
 * a forced request marks every task `force: true`.
 */
export const planTasks = (
  request: Pick<PlanRequest, 'exportTypes' | 'window'> & Partial<Pick<PlanRequest, 'force'>>,
  contracts: readonly string[],
): ExportTask[] => {
  const pending = cutIntoJobWindows(request.window, MAX_JOB_DAYS);
  const options = { force: request.force === true };
  return contracts.flatMap((contractUrn) => request.exportTypes.map((type) => plannedTask(type, contractUrn, pending, options)));
};

/**
 * The plan of an input that needs no discovery nor report: resolvePlanRequest then planTasks over
 * its contracts, in one call (the unit tests' shorthand; the Plan handler calls the two itself).
 */
export const planExports = (input: unknown, executionStartTime: string, settings: PlanSettings): { exports: ExportTask[] } => {
  const request = resolvePlanRequest(input, executionStartTime, settings);
  if ('rerunOf' in request) throw new RangeError('planExports cannot plan a rerun: it needs the earlier run report');
  return { exports: planTasks(request, request.contracts) };
};
