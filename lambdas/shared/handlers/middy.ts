/**
 * The one middleware chain every handler uses (Powertools' canonical order: logger, then
 * metrics), plus input parsing, so each handler file is only its own logic.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { logger, metrics } from '../powertools';

/**
 * Counts and logs every failed invocation by error name. Registered after `logMetrics`, so its
 * onError runs first and the failure is in the metrics that invocation publishes (without it, a
 * failed invocation would publish nothing and Powertools warns "No application metrics").
 */
const recordFailure = (): MiddlewareObj => ({
  onError: async (request) => {
    const name = request.error?.name ?? 'Error';
    metrics.addMetric('HandlerErrors', MetricUnit.Count, 1);
    metrics.addMetadata('errorName', name);
    logger.warn('Invocation failed', { errorName: name, errorMessage: request.error?.message });
  },
});

export const withPowertools = <S extends z.ZodMiniType, R>(schema: S, fn: (event: z.infer<S>, context: Context) => Promise<R>) =>
  middy(fn)
    // logEvent stays off: state never holds secrets, but keeping payloads out of logs is cheap insurance.
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(recordFailure())
    .use(parser({ schema }));
