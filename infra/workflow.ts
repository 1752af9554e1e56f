/**
 * The one definition of the export workflow (docs/design.md). The deployed stack and the local
 * runner both execute the ASL that CDK synthesizes from this construct; its state names come from
 * the contract (lambdas/shared/contract/names.ts), which the local runner keys its handlers by.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ERROR_NAMES, type ErrorName } from '../lambdas/shared/contract/error-names';
import { type HandlerModule, STATE_NAMES, type StateName, TASK_HANDLERS, type TaskStateName } from '../lambdas/shared/contract/names';
import { acknowledge, logicalIdOf } from './nag';

/**
 * How a failed export ends, by error name. Order matters (first match wins); each Fail state
 * keeps the original error name and cause so the CLI and console show what the handler threw.
 */
export const FAILURE_ROUTES: ReadonlyArray<{ state: StateName; errors: readonly ErrorName[] }> = [
  { state: STATE_NAMES.tokenRejected, errors: [ERROR_NAMES.auth] },
  { state: STATE_NAMES.noReportingAccess, errors: [ERROR_NAMES.forbidden] },
  {
    state: STATE_NAMES.jobFailed,
    errors: [
      ERROR_NAMES.jobFailed,
      ERROR_NAMES.dataDelayed,
      ERROR_NAMES.pollDeadline,
      ERROR_NAMES.windowTooLarge,
      ERROR_NAMES.unknownStatus,
    ],
  },
  {
    state: STATE_NAMES.copyFailed,
    errors: [
      ERROR_NAMES.truncated,
      ERROR_NAMES.contentLength,
      ERROR_NAMES.rowCount,
      ERROR_NAMES.malformedCsv,
      ERROR_NAMES.urlExpired,
      ERROR_NAMES.hostNotAllowed,
      ERROR_NAMES.tooManyRedirects,
      ERROR_NAMES.downloadFailed,
      ERROR_NAMES.copyDeadline,
    ],
  },
  { state: STATE_NAMES.linkedInUnavailable, errors: [ERROR_NAMES.throttled, ERROR_NAMES.unavailable] },
  {
    state: STATE_NAMES.linkedInRejected,
    errors: [ERROR_NAMES.badRequest, ERROR_NAMES.notFound, ERROR_NAMES.protocol],
  },
  { state: STATE_NAMES.misconfigured, errors: [ERROR_NAMES.config, ERROR_NAMES.wiring] },
];

/** Operator-facing comment on each Fail state (shown in the console's definition view). */
const FAILURE_COMMENTS: Record<string, string> = {
  [STATE_NAMES.invalidInput]: 'The execution input is unusable; no LinkedIn call was made. Fix the input and start again.',
  [STATE_NAMES.misconfigured]:
    "The Lambdas' configuration is unusable, or the Lambdas and the state machine come from different deployments; fix cdk.json context and redeploy.",
  [STATE_NAMES.tokenRejected]: 'LinkedIn rejected the access token (missing, invalid or expired): put a fresh token in the secret.',
  [STATE_NAMES.noReportingAccess]: 'The token has no reporting access on the contract: the member must be a reporting user.',
  [STATE_NAMES.jobFailed]: 'LinkedIn could not produce the export within the bounded retries.',
  [STATE_NAMES.copyFailed]: 'The CSV could not be copied to S3 and verified; no partial object was published.',
  [STATE_NAMES.linkedInUnavailable]: 'LinkedIn kept throttling or failing after every retry; try again later.',
  [STATE_NAMES.linkedInRejected]: 'LinkedIn rejected a request or answered with an unexpected body.',
  [STATE_NAMES.exportFailed]: 'An unexpected error; see the cause and the Lambda logs.',
};

/** Retry on LinkedIn throttling and outages: exponential, capped, full jitter. */
const LINKEDIN_TRANSIENT_RETRY: sfn.RetryProps = {
  errors: [ERROR_NAMES.throttled, ERROR_NAMES.unavailable],
  interval: Duration.seconds(10),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(300),
  jitterStrategy: sfn.JitterType.FULL,
};

/** A job read right after its creation may not be visible yet: a few short retries. */
const JOB_NOT_VISIBLE_RETRY: sfn.RetryProps = {
  errors: [ERROR_NAMES.notFound],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 3,
  jitterStrategy: sfn.JitterType.FULL,
};

/** A failed copy starts over; the retry GETs the job again, so it gets a fresh downloadUrl. */
const COPY_RETRY: sfn.RetryProps = {
  errors: [
    ERROR_NAMES.copyDeadline,
    ERROR_NAMES.truncated,
    ERROR_NAMES.urlExpired,
    ERROR_NAMES.downloadFailed,
    ERROR_NAMES.throttled,
    ERROR_NAMES.unavailable,
  ],
  interval: Duration.seconds(30),
  backoffRate: 2,
  maxAttempts: 3,
  maxDelay: Duration.seconds(300),
  jitterStrategy: sfn.JitterType.FULL,
};

/** A Lambda with a known timeout (ExportFunction satisfies this). */
export interface WorkflowFunction extends IFunction {
  readonly timeoutDuration: Duration;
}

export interface ExportWorkflowProps {
  /** The function of each handler module; each Task state runs its module's (TASK_HANDLERS). */
  readonly functions: Readonly<Record<HandlerModule, WorkflowFunction>>;
  /** (contract, export type) pairs exported in parallel. @default 4 */
  readonly maxConcurrency?: number;
  /** The whole execution's limit; DATA_DELAY retries wait hours. @default 24 hours */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

// Step Functions gives up on a task a little after the Lambda's own timeout, so the Lambda's
// error (not States.Timeout) is what the Retry/Catch sees in the normal case.
const TASK_TIMEOUT_MARGIN = Duration.seconds(30);

const invoke = (scope: Construct, name: TaskStateName, fn: WorkflowFunction, payload?: sfn.TaskInput): LambdaInvoke =>
  new LambdaInvoke(scope, name, {
    stateName: name,
    lambdaFunction: fn,
    payload,
    // Resource is the function ARN: the handler gets the state input and returns the state output.
    payloadResponseOnly: true,
    taskTimeout: sfn.Timeout.duration(fn.timeoutDuration.plus(TASK_TIMEOUT_MARGIN)),
  });

const failState = (scope: Construct, name: string): sfn.Fail =>
  new sfn.Fail(scope, name, {
    stateName: name,
    comment: FAILURE_COMMENTS[name],
    // A Catch with the default ResultPath replaces the state with {Error, Cause}.
    errorPath: '$.Error',
    causePath: '$.Cause',
  });

/**
 * The Standard state machine: plan the exports, then for each (contract, export type) create a
 * LinkedIn job, poll it with waits the Lambdas compute, copy the CSV to S3, and move to the next
 * window; the output lists every landed object.
 */
export class ExportWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ExportWorkflowProps) {
    super(scope, id);
    // The local runner runs each Task state's handler by TASK_HANDLERS too, so both agree.
    const task = (name: TaskStateName, payload?: sfn.TaskInput): LambdaInvoke =>
      invoke(this, name, props.functions[TASK_HANDLERS[name]], payload);

    const fails = new Map<string, sfn.Fail>();
    const fail = (name: StateName): sfn.Fail => {
      let state = fails.get(name);
      if (!state) {
        state = failState(this, name);
        fails.set(name, state);
      }
      return state;
    };

    const plan = task(
      STATE_NAMES.plan,
      sfn.TaskInput.fromObject({
        // Not `$`: aws-local-stepfunctions finds no value at `$` for the inputs null, 0, false
        // and "" and fails with States.Runtime before the Plan can say what is wrong. The context
        // object holds the execution input as a member on AWS and locally alike, whatever its
        // JSON type, so every input reaches the Plan's validation.
        input: sfn.JsonPath.executionInput,
        executionStartTime: sfn.JsonPath.executionStartTime,
      }),
    )
      .addCatch(fail(STATE_NAMES.invalidInput), { errors: [ERROR_NAMES.invalidInput] })
      .addCatch(fail(STATE_NAMES.misconfigured), { errors: [ERROR_NAMES.config] });

    const createJob = task(STATE_NAMES.createJob).addRetry(LINKEDIN_TRANSIENT_RETRY);
    const checkJob = task(STATE_NAMES.checkJob).addRetry(LINKEDIN_TRANSIENT_RETRY).addRetry(JOB_NOT_VISIBLE_RETRY);
    const copy = task(STATE_NAMES.copy).addRetry(COPY_RETRY);

    const waitForJob = new sfn.Wait(this, STATE_NAMES.waitForJob, {
      stateName: STATE_NAMES.waitForJob,
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });
    const waitBeforeCreate = new sfn.Wait(this, STATE_NAMES.waitBeforeCreate, {
      stateName: STATE_NAMES.waitBeforeCreate,
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });
    // The item's output is its results; the Map collects one array per item.
    const finished = new sfn.Succeed(this, STATE_NAMES.exportFinished, {
      stateName: STATE_NAMES.exportFinished,
      outputPath: '$.results',
    });

    const route = new sfn.Choice(this, STATE_NAMES.route, { stateName: STATE_NAMES.route })
      .when(sfn.Condition.stringEquals('$.next', 'poll'), waitForJob.next(checkJob))
      .when(sfn.Condition.stringEquals('$.next', 'copy'), copy)
      .when(
        sfn.Condition.and(sfn.Condition.stringEquals('$.next', 'create'), sfn.Condition.numberGreaterThan('$.waitSeconds', 0)),
        waitBeforeCreate.next(createJob),
      )
      .when(sfn.Condition.stringEquals('$.next', 'create'), createJob)
      .when(sfn.Condition.stringEquals('$.next', 'done'), finished);
    // Any other `next` is a handler bug: the Choice fails with States.NoChoiceMatched, which the
    // Map's catch-all reports as "Export failed".
    copy.next(route);

    const exportEach = new sfn.Map(this, STATE_NAMES.exportEach, {
      stateName: STATE_NAMES.exportEach,
      itemsPath: '$.exports',
      maxConcurrency: props.maxConcurrency ?? 4,
      // [[results of item 1], [results of item 2], ...] -> {exports: [all results, in order]}
      resultSelector: { exports: sfn.JsonPath.listAt('$[*][*]') },
    });
    exportEach.itemProcessor(createJob.next(checkJob).next(route));
    for (const { state, errors } of FAILURE_ROUTES) exportEach.addCatch(fail(state), { errors: [...errors] });
    exportEach.addCatch(fail(STATE_NAMES.exportFailed), { errors: [sfn.Errors.ALL] });

    this.logGroup = new LogGroup(this, 'logs', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch's resource policy for log delivery small.
      logGroupName: `/aws/vendedlogs/states/${id}-${this.node.addr.slice(0, 8)}`,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateMachine = new sfn.StateMachine(this, 'state-machine', {
      comment: 'Exports LinkedIn Sales Navigator analytics to S3: plan, then create, poll and copy each export.',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(exportEach)),
      timeout: props.timeout ?? Duration.hours(24),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        // Level ALL records every state transition; execution data stays out of CloudWatch.
        includeExecutionData: false,
      },
    });

    const policy = this.stateMachine.role.node.findChild('DefaultPolicy');
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'Log delivery (logs:CreateLogDelivery, ...) and X-Ray actions do not support resource-level permissions.',
    );
    for (const fn of Object.values(props.functions)) {
      acknowledge(
        policy,
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(fn)}.Arn>:*]`,
        "CDK's LambdaInvoke grant includes the function's versions/aliases (ARN:*); it names this one function only.",
      );
    }
  }
}
