/**
 * One instance each of Logger, Metrics and Tracer for every handler (Powertools' example app
 * convention), so log keys and the metrics namespace are set in one place.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'linkedin-salesnav-export';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'LinkedInSalesNavExport' });
export const tracer = new Tracer({ serviceName });
