/**
 * The role an EventBridge Scheduler schedule assumes to invoke one Lambda (the freshness and token
 * schedules). A role per schedule rather than the stack-wide one CDK would share between targets, so
 * the one wildcard of its grant is acknowledged beside it; assumed only by the scheduler of this
 * account's default group (the conditions CDK's own role carries against the confused deputy).
 */
import { Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { acknowledge, logicalIdOf } from './nag';

/** A role for the default schedule group's scheduler. */
export const schedulerRole = (scope: Construct, id: string): Role => {
  const stack = Stack.of(scope);
  return new Role(scope, id, {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': stack.account,
          'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
        },
      },
    }),
  });
};

/** The invoke grant LambdaInvoke gives `role` covers the function's versions and aliases: say so for cdk-nag. */
export const acknowledgeInvokeGrant = (role: Role, target: IFunction, what: string): void =>
  acknowledge(
    role,
    `AwsSolutions-IAM5[Resource::<${logicalIdOf(target)}.Arn>:*]`,
    `CDK's Lambda invoke grant includes the function's versions and aliases (ARN:*); it names the ${what} function only.`,
  );
