/**
 * One instance each of Logger and Metrics for every handler (Powertools' example app convention),
 * so log keys and the metrics namespace are set in one place. No Powertools Tracer: its X-Ray SDK
 * cost every cold start ~30 ms and ~120 KiB for per-call subsegments; Lambda's active tracing
 * still puts each invocation in the execution's X-Ray trace (docs/design.md, "Observability").
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE_NAME } from './contract/names';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME;

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE });
