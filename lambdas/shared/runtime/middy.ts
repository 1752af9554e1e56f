/**
 * The one middleware chain every handler uses (Powertools' canonical order: tracer, then
 * logger, then metrics), plus input parsing, so each handler file is only its own logic.
 */
import middy from '@middy/core';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { logger, metrics, tracer } from '../powertools';

export const withPowertools = <S extends z.ZodType, R>(
  schema: S,
  fn: (event: z.infer<S>, context: Context) => Promise<R>,
) =>
  middy(fn)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    // logEvent stays off: state never holds secrets, but keeping payloads out of logs is cheap insurance.
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(parser({ schema }));
