import { exportResultSchema, exportTaskSchema, planEventSchema } from '../../lambdas/shared/contract/state';

const task = {
  exportType: 'activity',
  contract: 'urn:li:contract:123456',
  pending: [{ startAt: 1_793_491_200_000, endAt: 1_793_577_600_000 }],
  results: [],
  landed: { objects: 0, rows: 0, bytes: 0 },
  steps: 3,
  jobIds: [42],
  job: { id: 42, createdAt: 1_793_600_000_000, polls: 1, status: 'PROCESSING', waitedSeconds: 30 },
  retries: { recreate: 0, dataDelay: 0 },
  next: 'poll',
  reason: 'running',
  waitSeconds: 60,
};

const issues = (result: { success: boolean; error?: { issues: Array<{ code: string; path: PropertyKey[] }> } }) =>
  result.error?.issues.map((issue) => [issue.code, issue.path.join('.')]);

describe('state schemas', () => {
  it('accept the task a transition returns, unchanged', () => {
    expect(exportTaskSchema.parse(task)).toEqual(task);
  });

  it('are strict: a key they do not know is refused, not silently dropped between states', () => {
    expect(issues(exportTaskSchema.safeParse({ ...task, ledgerClaim: 'x' }))).toEqual([['unrecognized_keys', '']]);
    expect(issues(exportTaskSchema.safeParse({ ...task, job: { ...task.job, url: 'https://x' } }))).toEqual([['unrecognized_keys', 'job']]);
    expect(
      issues(
        planEventSchema.safeParse({
          input: {},
          executionStartTime: '2026-11-30T00:00:00Z',
          executionName: 'run-1',
          executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:run-1',
          extra: 1,
        }),
      ),
    ).toEqual([['unrecognized_keys', '']]);
  });

  it('refuse a step or reason the state machine does not route on', () => {
    expect(issues(exportTaskSchema.safeParse({ ...task, next: 'sideways' }))).toEqual([['invalid_value', 'next']]);
    expect(issues(exportTaskSchema.safeParse({ ...task, reason: 'because' }))).toEqual([['invalid_value', 'reason']]);
  });

  it('refuse a result whose checksum is not a SHA-256 in hex', () => {
    const result = {
      exportType: 'seat',
      contract: 'urn:li:contract:1',
      startAt: 0,
      endAt: 86_400_000,
      jobIds: [1],
      rowCount: 0,
      bytes: 10,
      sha256: 'abc',
      s3Uri: 's3://b/k',
      manifestUri: 's3://b/k.manifest.json',
      objects: 1,
      empty: true,
    };
    expect(issues(exportResultSchema.safeParse(result))).toEqual([['invalid_format', 'sha256']]);
  });
});
