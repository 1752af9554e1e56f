/**
 * The executions this process is running right now, every local run's together: the claim step
 * asks it whether a ledger claim of this process still has a live owner (lambdas/shared/ledger/
 * liveness.ts). Process-wide on purpose: two local runs in one process (a test starting the same
 * window twice) must see each other's executions as alive, exactly as Step Functions would.
 */
const running = new Set<string>();

/** Marks `executionArn` running until `work` settles. */
export const whileRunning = async <T>(executionArn: string, work: () => Promise<T>): Promise<T> => {
  running.add(executionArn);
  try {
    return await work();
  } finally {
    running.delete(executionArn);
  }
};

export const isRunningHere = (executionArn: string): boolean => running.has(executionArn);
