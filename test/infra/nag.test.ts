import { App, Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createApp } from '../../infra/create-app';
import { readCdkJsonContext } from '../../infra/asl';
import { buildStack } from './helpers';

const findingsOf = (report: ReturnType<AwsSolutionsChecks['validateScope']>): string[] =>
  report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId}`));

describe('cdk-nag AwsSolutions', () => {
  it('reports findings on a bare bucket (the checker is live)', () => {
    // Prepare
    const stack = new Stack(new App(), 'control');
    new Bucket(stack, 'bare');
    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);
    // Assess
    expect(report.success).toBe(false);
    expect(findingsOf(report).join('\n')).toMatch(/AwsSolutions-S1 /);
  });

  it('finds no unacknowledged violation in the product stack (every option on)', () => {
    // Prepare
    const { stack } = buildStack({ alarmEmail: 'ops@example.com', dataRetentionDays: 400 });
    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);
    // Assess
    expect(findingsOf(report)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('finds none either when the environment names the region and account (as `cdk synth` with credentials does)', () => {
    // Prepare: createApp reads CDK_DEFAULT_REGION/ACCOUNT, as the CDK CLI sets them; literal ARN
    // parts change the findings' ids, which the acknowledgements must follow.
    const saved = { region: process.env.CDK_DEFAULT_REGION, account: process.env.CDK_DEFAULT_ACCOUNT };
    process.env.CDK_DEFAULT_REGION = 'eu-west-1';
    process.env.CDK_DEFAULT_ACCOUNT = '111122223333';
    try {
      const { stack } = buildStack();
      // Act
      const report = new AwsSolutionsChecks().validateScope(stack);
      // Assess
      expect(findingsOf(report)).toEqual([]);
    } finally {
      for (const [key, value] of Object.entries({ CDK_DEFAULT_REGION: saved.region, CDK_DEFAULT_ACCOUNT: saved.account })) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('acknowledges findings one by one with a reason, never for the whole stack', () => {
    // Prepare
    const { stack } = buildStack();
    const acknowledgements = stack.node.findAll().flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>))
        .map(([id, reason]) => ({ path: c.node.path, id, reason })),
    );
    // Assess
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledgements) {
      expect(path).not.toBe(stack.node.path);
      expect(id).toMatch(/AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(reason.length).toBeGreaterThan(40);
    }
    // Wildcard findings are acknowledged per finding id, never for the whole rule.
    expect(acknowledgements.filter(({ id }) => /IAM[45]$/.test(id))).toEqual([]);
  });

  it('is wired into synth: an unacknowledged finding fails app.synth()', () => {
    // Prepare
    const { app, stack } = createApp({
      context: { ...readCdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
      outdir: mkdtempSync(path.join(tmpdir(), 'salesnav-nag-')),
    });
    new Bucket(stack, 'unacknowledged');
    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
