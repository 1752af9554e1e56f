/**
 * The token secret's rotation function (docs/tokens.md, "Rotation"): Secrets Manager invokes it
 * with each rotation step; tokens/rotation.ts decides what the step does. This file checks the
 * event, refuses any secret but the configured token secret, and publishes the refresh outcomes
 * under the Authorization dimension (contract/token-metrics.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import '../contract/zod-locale';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import type { RuntimeConfig } from '../contract/runtime-config';
import { AUTHORIZATION_DIMENSION, TOKEN_METRICS } from '../contract/token-metrics';
import { metrics } from '../powertools';
import { DEFAULT_AUTHORIZATION } from '../tokens/authorization';
import type { LinkedInOAuth } from '../tokens/ports';
import { ROTATION_STEPS, type RotationMetric, rotateStep, type StepResult } from '../tokens/rotation';
import type { VersionedSecret } from '../tokens/versioned-secret';
import type { Provide } from './dependencies';
import { type HandlerOptions, withPowertools } from './middy';

/**
 * What Secrets Manager sends (Lambda rotation functions, AWS Secrets Manager User Guide). Loose:
 * `RotationToken` (and whatever AWS adds later) is not needed.
 */
export const rotationEventSchema = z.looseObject({
  SecretId: z.string().check(z.minLength(1)),
  ClientRequestToken: z.string().check(z.minLength(1)),
  Step: z.enum(ROTATION_STEPS),
});
export type RotationEvent = z.infer<typeof rotationEventSchema>;

export interface RotateTokenDependencies {
  readonly config: Pick<RuntimeConfig, 'LINKEDIN_TOKEN_SECRET_ID' | 'TOKEN_REFRESH_DAYS'>;
  /** The token secret (Secrets Manager when deployed, local/tokens/local-secret.ts for `npm start`). */
  readonly secret: VersionedSecret;
  /** LinkedIn's OAuth endpoints with the app's credentials, built only when a refresh or a test needs them. */
  readonly oauth: () => Promise<LinkedInOAuth>;
  /** Epoch ms. */
  readonly now: () => number;
}

/**
 * Whether Secrets Manager's `given` id names the `configured` secret. Secrets Manager sends the
 * full ARN; the configuration holds the ARN (the stack) or, set by hand, the secret's name, which
 * the ARN ends with after `secret:` and before Secrets Manager's six-character suffix.
 */
export const isSameSecret = (configured: string, given: string): boolean => {
  if (configured === given) return true;
  if (configured.startsWith('arn:')) return false;
  const name = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)-[A-Za-z0-9]{6}$/.exec(given)?.[1];
  return name === configured;
};

/**
 * One count as the tokens Lambda publishes it (docs/tokens.md, "Warnings"): a failure under
 * {service, Authorization=default}, which the alarm groups by, and without the dimension; a
 * success without it, as the dashboard reads it. A single metric carries its own dimensions.
 */
const publish = (metric: RotationMetric): void => {
  if (metric === TOKEN_METRICS.refreshFailed) {
    const single = metrics.singleMetric();
    single.addDimension(AUTHORIZATION_DIMENSION, DEFAULT_AUTHORIZATION);
    single.addMetric(metric, MetricUnit.Count, 1);
  }
  metrics.singleMetric().addMetric(metric, MetricUnit.Count, 1);
};

export const createRotateTokenHandler = (provide: Provide<RotateTokenDependencies>, options?: HandlerOptions) =>
  withPowertools(
    rotationEventSchema,
    async (event, _context, log): Promise<StepResult> => {
      const { config, secret, oauth, now } = provide();
      log.appendKeys({ rotationStep: event.Step, versionId: event.ClientRequestToken, authorization: DEFAULT_AUTHORIZATION });
      // The function role may change the token secret: it must not be pointed at any other.
      if (!isSameSecret(config.LINKEDIN_TOKEN_SECRET_ID, event.SecretId)) {
        throw new NamedError(
          ERROR_NAMES.config,
          `This function rotates only the LinkedIn token secret ${config.LINKEDIN_TOKEN_SECRET_ID}; it was invoked for ${event.SecretId}.`,
        );
      }
      // Every step counts, so an invocation always has a metric to publish (and a heartbeat of rotations).
      metrics.addMetric('TokenRotationSteps', MetricUnit.Count, 1);
      const result = await rotateStep(event.Step, event.ClientRequestToken, {
        secret,
        oauth,
        now,
        refreshDays: config.TOKEN_REFRESH_DAYS,
        log,
        count: publish,
      });
      log.info('Rotation step done', { outcome: result.outcome });
      return result;
    },
    options,
  );
