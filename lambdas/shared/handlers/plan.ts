/**
 * Plan exports: turns the execution input (console JSON or the schedule's
 * `{"scheduledTime": ...}`) into one task per (contract, export type), written to S3 for the
 * Distributed Map's ItemReader: however many pairs there are, no state carries them. Invalid input
 * fails here, as `InvalidInput`, before any LinkedIn call.
 */
import { NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import type { ExportType } from '../contract/export-types';
import { type ExportTask, type PlanResult, planEventSchema } from '../contract/state';
import { metrics } from '../powertools';
import { type ListedContract, mergeDiscoveredContracts } from '../workflow/discover';
import { LinkedInAuthError } from '../linkedin/errors';
import { namedContracts } from '../tokens/assign';
import {
  type Authorization,
  AUTHORIZE_COMMAND,
  assessAuthorization,
  DEFAULT_AUTHORIZATION,
  StoredAuthorizationError,
} from '../tokens/authorization';
import { type AuthorizedPlan, authorizePlan } from '../tokens/plan-authorizations';
import type { AuthorizationReader } from '../tokens/ports';
import { planSettingsFromConfig, planTasks, resolvePlanRequest } from '../workflow/input';
import { runKeys } from '../workflow/keys';
import { rerunTasks } from '../workflow/rerun';
import { NotJsonError, readS3Json, writeS3Json } from '../s3-json';
import { ledgerOf } from '../ledger/location';
import { planAgainstLedger } from '../ledger/plan-against-ledger';
import type { PlanDependencies, Provide } from './dependencies';
import { type HandlerOptions, withPowertools } from './middy';

/** The earlier run's report, for a rerun; a missing one is the input's fault. */
const readReport = async (s3: S3Client, bucket: string, prefix: string, executionName: string): Promise<unknown> => {
  const { reportKey } = runKeys(prefix, executionName);
  try {
    return await readS3Json(s3, bucket, reportKey);
  } catch (error) {
    if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') {
      throw new NamedError(
        ERROR_NAMES.invalidInput,
        `Invalid input: rerunOf: no run report for execution ${executionName} (s3://${bucket}/${reportKey}); did that execution reach "Summarize run"?`,
      );
    }
    if (error instanceof NotJsonError) {
      throw new NamedError(ERROR_NAMES.invalidInput, `Invalid input: rerunOf: the run report of ${executionName} is not JSON`);
    }
    throw error;
  }
};

/** Every authorization; a malformed stored value is the token's problem, said as such. */
const readAuthorizations = async (reader: AuthorizationReader): Promise<Authorization[]> => {
  try {
    return await reader.list();
  } catch (error) {
    if (error instanceof StoredAuthorizationError) throw new LinkedInAuthError({}, error.message);
    throw error;
  }
};

/**
 * The contracts LinkedIn's finder lists under the default authorization's token (asked live, as
 * before there were named ones), and those the named authorizations recorded when they were
 * authorized or last refreshed (a finder call per customer per run would not scale to 10,000).
 */
const discoverContracts = async (
  authorizations: readonly Authorization[],
  linkedIn: PlanDependencies['linkedIn'],
  now: number,
  log: { warn: (message: string, extra: Record<string, unknown>) => void },
): Promise<ListedContract[]> => {
  const fallback = authorizations.find((authorization) => authorization.name === DEFAULT_AUTHORIZATION);
  const recorded = namedContracts(authorizations).map((contract) => ({ contract, hasReportingAccess: true }));
  if (fallback === undefined) return recorded;
  const problem = assessAuthorization(fallback, now);
  if (problem && recorded.length > 0) {
    log.warn('The default authorization cannot list contracts; discovering from the named ones only', { reason: problem.reason });
    return recorded;
  }
  return [...(await linkedIn(DEFAULT_AUTHORIZATION).listContracts()), ...recorded];
};

/** The run log's token figures: days left of the authorizations this run uses, soonest first. */
const logAuthorizations = (
  authorized: AuthorizedPlan,
  alarmDays: number,
  log: { info: (message: string, extra: Record<string, unknown>) => void; warn: (message: string, extra: Record<string, unknown>) => void },
): void => {
  const soonest = authorized.used
    .slice(0, MAX_LOGGED_AUTHORIZATIONS)
    .map(({ name, tokenDaysRemaining, refreshTokenDaysRemaining, refreshable }) => ({
      name,
      tokenDaysRemaining: tokenDaysRemaining ?? 'unknown',
      refreshTokenDaysRemaining: refreshable ? (refreshTokenDaysRemaining ?? 'unknown') : 'none',
    }));
  log.info('Authorizations', { used: authorized.used.length, soonest });
  const expiring = authorized.used.filter((used) => used.tokenDaysRemaining !== undefined && used.tokenDaysRemaining < alarmDays);
  if (expiring.length > 0) {
    log.warn(`LinkedIn tokens expire within ${alarmDays} days: run ${AUTHORIZE_COMMAND} (docs/tokens.md)`, {
      authorizations: expiring
        .slice(0, MAX_LOGGED_AUTHORIZATIONS)
        .map(({ name, tokenDaysRemaining, expiresAt }) => ({ name, tokenDaysRemaining, expiresAt })),
    });
  }
  if (authorized.used.some((used) => used.tokenDaysRemaining === undefined)) {
    log.warn(
      'A LinkedIn token of unknown expiry (a plain token): no warning will come before it expires; authorize it to record its expiry',
      {
        authorizations: authorized.used.filter((used) => used.tokenDaysRemaining === undefined).map(({ name }) => name),
      },
    );
  }
  for (const { name, problem, pairs } of authorized.unusable) {
    log.warn('An authorization of this run cannot be used: its pairs fail with LinkedInAuthError before creating a job', {
      authorization: name,
      reason: problem.reason,
      pairs,
      fix: problem.message,
    });
  }
  if (authorized.uncovered.length > 0) {
    log.warn('No authorization covers these contracts: authorize a member with reporting access on them', {
      contracts: authorized.uncovered.slice(0, MAX_LOGGED_AUTHORIZATIONS),
      uncovered: authorized.uncovered.length,
    });
  }
};

/** Authorizations named in one log line: enough to act on, bounded for 10,000. */
const MAX_LOGGED_AUTHORIZATIONS = 20;

export const createPlanHandler = (provide: Provide<PlanDependencies>, options?: HandlerOptions) =>
  withPowertools(
    planEventSchema,
    async (event, _context, log): Promise<PlanResult> => {
      const { config, s3, linkedIn, authorizations: authorizationReader, authorizationPlace, now } = provide();
      const request = resolvePlanRequest(event.input, event.executionStartTime, planSettingsFromConfig(config));
      const authorizations = await readAuthorizations(authorizationReader());
      let tasks: ExportTask[];
      let contracts: number;
      let exportTypes: ExportType[];
      if ('rerunOf' in request) {
        tasks = rerunTasks(request.rerunOf, await readReport(s3, config.BUCKET_NAME, config.KEY_PREFIX, request.rerunOf), {
          force: request.force,
        });
        contracts = new Set(tasks.map((task) => task.contract)).size;
        exportTypes = [...new Set(tasks.map((task) => task.exportType))];
      } else {
        let urns = request.contracts;
        if (request.discover) {
          const listed = await discoverContracts(authorizations, linkedIn, now(), log);
          urns = mergeDiscoveredContracts(request.contracts, listed);
          log.info('Contracts discovered', { listed: listed.length, configured: request.contracts.length, exported: urns.length });
        }
        tasks = planTasks(request, urns);
        contracts = urns.length;
        exportTypes = request.exportTypes;
      }
      // Before any ledger is touched: a run no pair of which can call LinkedIn ends here.
      const authorized = authorizePlan(tasks, authorizations, now(), authorizationPlace);
      tasks = authorized.tasks;
      logAuthorizations(authorized, config.TOKEN_ALARM_DAYS, log);
      // A rerun's pairs may have different windows: the run's window spans them all (the
      // days asked, landed or not).
      const window = tasks.reduce(
        (span, task) => ({
          startAt: Math.min(span.startAt, task.pending[0]?.startAt ?? span.startAt),
          endAt: Math.max(span.endAt, task.pending.at(-1)?.endAt ?? span.endAt),
        }),
        { startAt: Number.MAX_SAFE_INTEGER, endAt: 0 },
      );
      // Days already landed are left out now; the pairs' claims check again (docs/design.md, "Exactly once").
      const planned = await planAgainstLedger(tasks, (task) => ledgerOf({ config, s3 }, task));
      if (planned.corrupt.length > 0) {
        log.warn('Corrupt ledgers: those pairs will fail with LedgerCorrupt unless forced', { ledgers: planned.corrupt.slice(0, 20) });
      }
      if (planned.skippedDays > 0) {
        log.info('Already landed: left out', { pairs: planned.alreadyLanded.length, days: planned.skippedDays });
        metrics.addMetric('DaysAlreadyLanded', MetricUnit.Count, planned.skippedDays);
      }
      tasks = planned.tasks;
      const { itemsKey, reportKey, skippedKey } = runKeys(config.KEY_PREFIX, event.executionName);
      await writeS3Json(s3, config.BUCKET_NAME, itemsKey, tasks);
      await writeS3Json(s3, config.BUCKET_NAME, skippedKey, planned.alreadyLanded);
      log.info('Planned exports', { pairs: tasks.length, contracts, exportTypes, itemsKey });
      metrics.addMetric('ExportsPlanned', MetricUnit.Count, tasks.length);
      return {
        run: {
          bucket: config.BUCKET_NAME,
          executionName: event.executionName,
          executionArn: event.executionArn,
          itemsKey,
          reportKey,
          skippedKey,
        },
        pairs: tasks.length,
        // The days of the pairs left out; a pair that still runs counts its skipped days in its own notes.
        alreadyLanded: { pairs: planned.alreadyLanded.length, days: planned.alreadyLanded.reduce((days, pair) => days + pair.days, 0) },
        contracts,
        exportTypes,
        window,
      };
    },
    options,
  );
