/**
 * The Secrets Manager secret the LinkedIn access token is put in by hand (docs/operations.md,
 * "Putting the LinkedIn token"). The stack creates it empty: until a token is put, executions
 * fail as "LinkedIn token rejected" and say how to put one.
 */
import { CfnSecret, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

/** The token secret, created without a value. */
export class LinkedInTokenSecret extends Construct {
  readonly secret: ISecret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // L1 on purpose: the L2 Secret always generates a random value, and a random "token" would
    // only turn "put the token" into a confusing 401.
    const resource = new CfnSecret(this, 'Resource', {
      description:
        'LinkedIn API access token (r_sales_nav_analytics) for the Sales Navigator export. Put it with: ' +
        'aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string "<token>"',
    });
    acknowledge(
      resource,
      'AwsSolutions-SMG4',
      'A LinkedIn access token cannot be rotated by a Lambda: a new one is issued only when a member ' +
        're-authorises the app, after which an operator puts it (README "Put the token").',
    );
    this.secret = Secret.fromSecretAttributes(this, 'Imported', { secretCompleteArn: resource.ref });
  }
}
