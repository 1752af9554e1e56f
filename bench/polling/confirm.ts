/**
 * Confirms the transition model in a real local run: the synthesized ASL in
 * aws-local-stepfunctions (the local runner's loader and executor) with the real handlers
 * in-process, a simulator job that takes a known (scaled) time, and every StateEntered counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { PollPolicy } from '../../lambdas/shared/workflow/backoff';
import { simulatePolling } from './simulate';
import { startLocalS3 } from '../../local/s3';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';
import { SIMULATOR_CONTRACT } from '../../local/runner/defaults';
import { executeWorkflow } from '../../local/runner/execute';
import { createLocalHandlers } from '../../local/runner/handlers';
import { localHandlerConfig } from '../../local/runner/local-config';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { startSimulator } from '../../local/simulator';
import { projectTransitions } from './model';

export interface PollingConfirmation {
  /** The job's length in workflow (scaled) seconds. */
  jobSeconds: number;
  timeScale: number;
  status: string;
  /** StateEntered events by state name, over every execution (the workflow's and the pair's). */
  entered: Record<string, number>;
  totalEntered: number;
  /** "Check export job" entries = polls; the simulator's GET-job count includes the copy's own GET. */
  polls: number;
  simulatorJobGets: number;
  /** Observed Check + Route (poll part) + Wait entries. */
  pollTransitions: number;
  /** 3 × polls − 1, the model's count for the observed number of polls. */
  modelPollTransitions: number;
  /** The model's range of polls over the jitter (random = 1 … random = 0). */
  modelPollsRange: [number, number];
  waits: number[];
  matches: boolean;
}

const CHECK = 'Check export job';
const ROUTE = 'Route on job state';
const WAIT = 'Wait for export job';

/**
 * @param jobSeconds the job's length as the workflow sees it
 * @param timeScale real seconds per workflow second (waits and the simulator's job are both scaled)
 */
export const confirmPollingModel = async (policy: PollPolicy, jobSeconds = 300, timeScale = 0.01): Promise<PollingConfirmation> => {
  const workflow = await loadLocalWorkflow();
  const directory = mkdtempSync(path.join(tmpdir(), 'bench-poll-s3-'));
  const simulator = await startSimulator({ rows: 100, enqueuedMs: 0, processingMs: Math.round(jobSeconds * timeScale * 1000) });
  const s3 = await startLocalS3({ bucket: 'bench-poll', directory });
  const s3Client = new S3Client({ ...s3ClientConfig(s3.endpoint), credentials: S3RVER_CREDENTIALS });
  const handlers = createLocalHandlers({
    config: localHandlerConfig(workflow.environment, { bucket: s3.bucket, apiUrl: simulator.baseUrl, contracts: [SIMULATOR_CONTRACT] }),
    token: simulator.token,
    s3: s3Client,
    s3IsAws: false,
    allowHttpLoopback: true,
  });
  const entered: Record<string, number> = {};
  const waits: number[] = [];
  try {
    const outcome = await executeWorkflow({
      workflow,
      s3: s3Client,
      handlers,
      input: { contracts: [SIMULATOR_CONTRACT], exportTypes: ['activity'], startAt: '2026-11-01', endAt: '2026-11-02' },
      name: 'bench-polling',
      timeScale,
      onEvent: (event) => {
        if (event.type === 'StateEntered') entered[event.state.name] = (entered[event.state.name] ?? 0) + 1;
      },
      onWait: ({ state, seconds }) => {
        if (state === WAIT) waits.push(seconds);
      },
    });
    const job = simulator.jobs()[0];
    const actualJobSeconds = job ? (job.finishedAt - job.createdAt) / 1000 / timeScale : jobSeconds;
    const polls = entered[CHECK] ?? 0;
    // The pair's execution starts at Route, enters it again after every check, and once more after the copy.
    const pollTransitions = polls + Math.max(0, (entered[ROUTE] ?? 0) - 2) + (entered[WAIT] ?? 0);
    const range: [number, number] = [
      simulatePolling(actualJobSeconds, policy, () => 1).polls,
      simulatePolling(actualJobSeconds, policy, () => 0).polls,
    ];
    return {
      jobSeconds: actualJobSeconds,
      timeScale,
      status: outcome.status === 'SUCCEEDED' ? 'SUCCEEDED' : `FAILED ${outcome.error}: ${outcome.cause}`,
      entered,
      totalEntered: Object.values(entered).reduce((sum, count) => sum + count, 0),
      polls,
      simulatorJobGets: simulator.countCalls({ route: 'getJob' }),
      pollTransitions,
      modelPollTransitions: projectTransitions(polls),
      modelPollsRange: range,
      waits,
      matches: outcome.status === 'SUCCEEDED' && pollTransitions === projectTransitions(polls) && polls >= range[0] && polls <= range[1],
    };
  } finally {
    s3Client.destroy();
    await simulator.close();
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
};
