/**
 * How the constructs acknowledge cdk-nag findings: one finding on one construct, with the reason
 * on record, never a rule for the whole stack (test/infra/nag.test.ts holds them to it).
 */
import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges finding `id` on `scope` (and the resources under it). */
export const acknowledge = (scope: IConstruct, id: string, reason: string): void => Validations.of(scope).acknowledge({ id, reason });

/**
 * The logical id of a construct's CloudFormation resource, as cdk-nag writes it in the ids of
 * wildcard findings (`AwsSolutions-IAM5[Resource::<id.Arn>/...]`).
 *
 * @throws Error when the construct has no CloudFormation resource as its default child
 */
export const logicalIdOf = (construct: IConstruct): string => {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource as its default child`);
  return Stack.of(resource).getLogicalId(resource);
};
