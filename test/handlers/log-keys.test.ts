/**
 * Each invocation's log keys are its own, also when invocations overlap in one process (the local
 * runner runs every Map item in-process, all through one Powertools logger).
 */
import type { Context } from 'aws-lambda';
import type { ExportTask } from '../../lambdas/shared/contract/state';
import type { LinkedInClient } from '../../lambdas/shared/linkedin/client';
import { handlerConfig } from '../helpers/runtime-config';
import { afterJobCreated, plannedTask } from '../../lambdas/shared/workflow/transitions';

const NOV_1 = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;

const context = (requestId: string): Context =>
  ({
    functionName: 'check-job',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:check-job',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => 60_000,
  }) as Context;

const task = (exportType: ExportTask['exportType'], contract: string, jobId: number): ExportTask =>
  afterJobCreated(plannedTask(exportType, contract, [{ startAt: NOV_1, endAt: NOV_1 + DAY }]), jobId, NOV_1 + DAY);

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('two overlapping check-job invocations log their own exportType and contract on every line', async () => {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  try {
    jest.resetModules(); // a logger built with INFO in the environment
    const { createCheckJobHandler } = await import('../../lambdas/shared/handlers/check-job');
    // The seat job is checked first but answered last: the activity invocation starts meanwhile.
    const linkedIn = {
      getExportJob: async (id: number) => {
        await delay(id === 1 ? 200 : 20);
        return { id, status: 'PROCESSING' };
      },
    } as unknown as LinkedInClient;
    const checkJob = createCheckJobHandler(() => ({ config: handlerConfig(), linkedIn: () => linkedIn, now: () => NOV_1 + DAY }));

    const seat = checkJob(task('seat', 'urn:li:contract:1', 1), context('seat-request'));
    await delay(5);
    const activity = checkJob(task('activity', 'urn:li:contract:2', 2), context('activity-request'));
    await Promise.all([seat, activity]);
  } finally {
    process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
    write.mockRestore();
  }

  const created = lines.map((line) => JSON.parse(line)).filter((log) => log.message === 'Export job checked');
  expect(created.map(({ exportType, contract, jobId }) => ({ exportType, contract, jobId }))).toEqual([
    { exportType: 'activity', contract: 'urn:li:contract:2', jobId: 2 },
    { exportType: 'seat', contract: 'urn:li:contract:1', jobId: 1 },
  ]);
});
