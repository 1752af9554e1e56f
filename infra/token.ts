/**
 * The two Secrets Manager secrets of the LinkedIn authorization (docs/tokens.md):
 *
 * - the token secret: the default authorization, as JSON (what `npm run cli -- authorize` stores:
 *   access token, expiry, refresh token, scope) or a plain access token put by hand. Its rotation
 *   Lambda (module `rotate-token`) runs every day and refreshes the access token through LinkedIn
 *   when it has TOKEN_REFRESH_DAYS or fewer left and a refresh token exists; otherwise it only
 *   reports the days left.
 * - the app-credentials secret: the LinkedIn app's client id and client secret, JSON
 *   {"clientId", "clientSecret"}, which a refresh needs (docs/linkedin-api.md §9).
 *
 * The stack creates both without a value: until a token is put, executions fail as "LinkedIn token
 * rejected" and say how to put one.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Effect, ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPermission, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnRotationSchedule, CfnSecret, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import type { TokenStore } from './token-store';
import { AUTHORIZE_COMMAND } from '../lambdas/shared/contract/authorizations';

/**
 * How often Secrets Manager invokes the rotation. Daily, not every TOKEN_REFRESH_DAYS: a rotation
 * that finds nothing due changes nothing, and a refresh that fails is retried the next day, many
 * times before the expiry alarm (TOKEN_ALARM_DAYS) would fire.
 */
export const TOKEN_ROTATION_INTERVAL = Duration.days(1);

/** The actions of AWS's rotation contract on the secret rotated (createSecret … finishSecret), and no more. */
export const ROTATION_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

/**
 * A secret created without a value. L1 on purpose: the L2 Secret always generates a random value,
 * and a random "token" would only turn "put the token" into a confusing 401.
 */
const emptySecret = (scope: Construct, description: string): { resource: CfnSecret; secret: ISecret } => {
  const resource = new CfnSecret(scope, 'Resource', { description });
  return { resource, secret: Secret.fromSecretAttributes(scope, 'Imported', { secretCompleteArn: resource.ref }) };
};

/** The token secret (the default authorization), created without a value. */
export class LinkedInTokenSecret extends Construct {
  readonly secret: ISecret;
  private readonly resource: CfnSecret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { resource, secret } = emptySecret(
      this,
      'LinkedIn authorization (r_sales_nav_analytics) of the Sales Navigator export, refreshed by its daily rotation. ' +
        `Authorize with: ${AUTHORIZE_COMMAND} (docs/tokens.md). Or put a plain access token by hand: ` +
        'aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string "<token>" (no refresh, no expiry warning).',
    );
    this.resource = resource;
    this.secret = secret;
  }

  /**
   * Rotates the secret daily with `rotationLambda` (the `rotate-token` module): the schedule, the
   * function's rights on this secret, and Secrets Manager's right to invoke it.
   *
   * Not `addRotationSchedule`: CDK's grants add secretsmanager:GetRandomPassword on "*" (a password
   * generator this rotation never calls) and let any account's Secrets Manager invoke the function.
   * No reserved concurrency either: Secrets Manager refuses to start a rotation while one is in
   * progress, so rotations of this secret never overlap.
   */
  rotateWith(rotationLambda: IFunction): CfnRotationSchedule {
    const secretArn = this.resource.ref;
    rotationLambda.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: [...ROTATION_ACTIONS], resources: [secretArn] }));
    // Only this account's Secrets Manager, rotating this secret, may invoke it (AWS's advice against
    // the confused deputy; the function refuses any other secret anyway).
    const invoke = new CfnPermission(this, 'rotation-invoke', {
      action: 'lambda:InvokeFunction',
      functionName: rotationLambda.functionArn,
      principal: new ServicePrincipal('secretsmanager.amazonaws.com').service,
      sourceAccount: Stack.of(this).account,
      sourceArn: secretArn,
    });
    const rotation = new CfnRotationSchedule(this, 'rotation', {
      secretId: secretArn,
      rotationLambdaArn: rotationLambda.functionArn,
      rotationRules: { scheduleExpression: `rate(${TOKEN_ROTATION_INTERVAL.toDays()} day)` },
      // Rotate on schedule only: enabling rotation on a fresh (empty) secret, or on a deploy, has
      // nothing to refresh.
      rotateImmediatelyOnUpdate: false,
    });
    // Secrets Manager checks it may invoke the function when the schedule is created.
    rotation.addResourceDependency(invoke);
    return rotation;
  }
}

/** The LinkedIn app's credentials, created without a value. */
export class LinkedInAppSecret extends Construct {
  readonly secret: ISecret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { resource, secret } = emptySecret(
      this,
      'LinkedIn app credentials of the Sales Navigator export, JSON {"clientId": "…", "clientSecret": "…"} from the ' +
        "app's Auth tab in LinkedIn's developer portal, for refreshing tokens and for " +
        `${AUTHORIZE_COMMAND}. Put it with: aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string file://app.json (docs/tokens.md).`,
    );
    acknowledge(
      resource,
      'AwsSolutions-SMG4',
      "The LinkedIn app's client secret is generated in LinkedIn's developer portal, and no LinkedIn API rotates it: an operator regenerates it there and puts it here (docs/tokens.md).",
    );
    this.secret = secret;
  }
}

export interface TokenOperatorPolicyProps {
  readonly tokenSecret: ISecret;
  readonly appSecret: ISecret;
  readonly tokenStore: TokenStore;
}

/**
 * What the operator who authorizes customers needs (`npm run cli -- authorize` and
 * `npm run cli -- tokens`), and nothing else: put and read the default authorization, read the
 * app's credentials, read and write the named authorizations. Attach it to that person's role;
 * the app credentials themselves are put by whoever administers the stack.
 */
export class TokenOperatorPolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: TokenOperatorPolicyProps) {
    super(scope, id);
    this.policy = new ManagedPolicy(this, 'Resource', {
      description: `Authorize LinkedIn members and list the authorizations of the Sales Navigator export (${AUTHORIZE_COMMAND}; docs/tokens.md).`,
      statements: [
        new PolicyStatement({
          sid: 'DefaultAuthorization',
          effect: Effect.ALLOW,
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
          resources: [props.tokenSecret.secretArn],
        }),
        new PolicyStatement({
          sid: 'AppCredentials',
          effect: Effect.ALLOW,
          actions: ['secretsmanager:GetSecretValue'],
          resources: [props.appSecret.secretArn],
        }),
        ...props.tokenStore.readWriteStatements(),
      ],
    });
    props.tokenStore.acknowledgeObjectGrant(this.policy);
  }
}
