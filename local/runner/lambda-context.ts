/**
 * The Lambda `context` a handler gets when the local runner invokes it in-process: the same
 * fields Lambda sets, and a clock that runs out at the function's configured timeout, so the
 * copy step's "stop before the time runs out" logic behaves as deployed.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LocalFunction {
  /** The function name (the template's logical id: the placeholder ARN's last part). */
  functionName: string;
  /** The function's Resource ARN in the extracted ASL. */
  functionArn: string;
  timeoutSeconds: number;
  memoryMb: number;
}

/**
 * A fresh context for one invocation of `fn`, starting now.
 *
 * @param now injectable clock, epoch ms
 */
export const createLambdaContext = (fn: LocalFunction, now: () => number = Date.now): Context => {
  const deadline = now() + fn.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.functionArn,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: `local/${fn.functionName}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    // The callback-style API is deprecated and unused by middy handlers; fail loudly if called.
    done: () => {
      throw new Error('context.done is not supported by the local runner');
    },
    fail: () => {
      throw new Error('context.fail is not supported by the local runner');
    },
    succeed: () => {
      throw new Error('context.succeed is not supported by the local runner');
    },
  };
};
