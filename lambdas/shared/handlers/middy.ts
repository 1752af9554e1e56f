/**
 * The one middleware chain every handler uses (Powertools' canonical order: logger, then
 * metrics), plus input parsing, so each handler file is only its own logic.
 */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { logger as sharedLogger, metrics } from '../powertools';

type Attributes = Record<string, unknown>;

/**
 * One invocation's logging: every line goes through the handler's Logger with this invocation's
 * keys. The keys travel with each call instead of living on the Logger (`appendKeys`), because
 * one process may run invocations that overlap (the local runner's Map items): keys kept on a
 * shared Logger would be another invocation's, or reset by it. A child Logger per invocation would
 * isolate them too, but claims a cold start on every invocation.
 */
export interface InvocationLogger {
  /** Adds keys to every later line of this invocation, its failure line included. */
  appendKeys(keys: Attributes): void;
  debug(message: string, ...attributes: Attributes[]): void;
  info(message: string, ...attributes: Attributes[]): void;
  warn(message: string, ...attributes: Attributes[]): void;
  error(message: string, ...attributes: Attributes[]): void;
}

export interface HandlerOptions {
  /**
   * The Logger every line goes through. Default: the shared Powertools logger, which prints to
   * stdout as Lambda expects; a host that needs stdout for itself passes one printing elsewhere.
   */
  logger?: Logger;
}

const invocationLogger = (logger: Logger): InvocationLogger => {
  let keys: Attributes = {};
  return {
    appendKeys: (more) => {
      keys = { ...keys, ...more };
    },
    debug: (message, ...attributes) => logger.debug(message, keys, ...attributes),
    info: (message, ...attributes) => logger.info(message, keys, ...attributes),
    warn: (message, ...attributes) => logger.warn(message, keys, ...attributes),
    error: (message, ...attributes) => logger.error(message, keys, ...attributes),
  };
};

/**
 * Counts and logs every failed invocation by error name. Registered after `logMetrics`, so its
 * onError runs first and the failure is in the metrics that invocation publishes (without it, a
 * failed invocation would publish nothing and Powertools warns "No application metrics").
 */
const recordFailure = (logFor: (context: Context) => InvocationLogger): MiddlewareObj => ({
  onError: async (request) => {
    const name = request.error?.name ?? 'Error';
    metrics.addMetric('HandlerErrors', MetricUnit.Count, 1);
    metrics.addMetadata('errorName', name);
    logFor(request.context).warn('Invocation failed', { errorName: name, errorMessage: request.error?.message });
  },
});

export const withPowertools = <S extends z.ZodMiniType, R>(
  schema: S,
  fn: (event: z.infer<S>, context: Context, log: InvocationLogger) => Promise<R>,
  options: HandlerOptions = {},
) => {
  const logger = options.logger ?? sharedLogger;
  // Lambda gives every invocation its own context object: it identifies the invocation for the
  // handler and for the failure middleware alike.
  const loggers = new WeakMap<Context, InvocationLogger>();
  const logFor = (context: Context): InvocationLogger => {
    let log = loggers.get(context);
    if (!log) {
      log = invocationLogger(logger);
      loggers.set(context, log);
    }
    return log;
  };
  const freshLogger: MiddlewareObj = {
    before: async (request) => {
      loggers.set(request.context, invocationLogger(logger));
    },
  };
  return (
    middy((event: z.infer<S>, context: Context) => fn(event, context, logFor(context)))
      // logEvent stays off: state never holds secrets, but keeping payloads out of logs is cheap insurance.
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(logMetrics(metrics, { captureColdStartMetric: true }))
      .use(freshLogger)
      .use(recordFailure(logFor))
      .use(parser({ schema }))
  );
};
