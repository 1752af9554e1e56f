import type { Context } from 'aws-lambda';

/** A handler as Lambda (and Step Functions) calls it: middy's type adds an options parameter nobody passes. */
export type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/** The Lambda context of one invocation, with `remainingMs` left before its timeout. */
export const lambdaContext = (remainingMs = 900_000): Context =>
  ({
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
    memoryLimitInMB: '1024',
    awsRequestId: 'req-1',
    logGroupName: 'g',
    logStreamName: 's',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;
