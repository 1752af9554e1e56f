import {
  KNOWN_JOB_STATUSES,
  classifyJobStatus,
  isKnownJobStatus,
  type JobOutcome,
  type KnownJobStatus,
} from '../../lambdas/shared/linkedin/status';

describe('classifyJobStatus', () => {
  const expected: Record<KnownJobStatus, JobOutcome> = {
    ENQUEUED: { kind: 'running' },
    PROCESSING: { kind: 'running' },
    COMPLETED: { kind: 'ready', rowCount: 42 },
    FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR: { kind: 'split' },
    FAILED_DUE_TO_TIMED_OUT: { kind: 'retry' },
    FAILED_DUE_TO_DATA_DELAY: { kind: 'retryLater' },
    FAILED_DUE_TO_INTERNAL_ERROR: { kind: 'retry' },
  };

  it.each(KNOWN_JOB_STATUSES.map((status) => [status, expected[status]] as const))('%s -> %o', (status, outcome) => {
    expect(classifyJobStatus(status, 42)).toEqual(outcome);
  });

  it('classifies every known status to something other than unknown', () => {
    for (const status of KNOWN_JOB_STATUSES) {
      expect(isKnownJobStatus(status)).toBe(true);
      expect(classifyJobStatus(status).kind).not.toBe('unknown');
    }
  });

  describe('COMPLETED never confuses empty with unknown size', () => {
    it('rowCount 0 is ready-but-empty', () => {
      expect(classifyJobStatus('COMPLETED', 0)).toEqual({ kind: 'readyEmpty' });
    });

    it('rowCount absent is ready with no count', () => {
      expect(classifyJobStatus('COMPLETED')).toEqual({ kind: 'ready', rowCount: null });
    });

    it('rowCount null is ready with no count', () => {
      expect(classifyJobStatus('COMPLETED', null)).toEqual({ kind: 'ready', rowCount: null });
    });

    it('a positive rowCount is ready with that count', () => {
      expect(classifyJobStatus('COMPLETED', 3999)).toEqual({ kind: 'ready', rowCount: 3999 });
    });
  });

  it('rowCount does not change a non-COMPLETED outcome', () => {
    expect(classifyJobStatus('PROCESSING', 0)).toEqual({ kind: 'running' });
    expect(classifyJobStatus('FAILED_DUE_TO_TIMED_OUT', 0)).toEqual({ kind: 'retry' });
  });

  it.each(['FAILED_DUE_TO_SOMETHING_NEW', 'completed', '', ' COMPLETED'])(
    'an unknown status %p is unknown, carrying the raw string',
    (status) => {
      expect(isKnownJobStatus(status)).toBe(false);
      expect(classifyJobStatus(status, 10)).toEqual({ kind: 'unknown', status });
    },
  );
});
