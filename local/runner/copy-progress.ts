/**
 * Turns the copy handler's byte counts into progress events with a transfer rate, measured from
 * the moment each copy (attempt) started.
 */
import type { CopyProgress } from '../../lambdas/shared/handlers/dependencies';
import type { ExportRef, RunEvent } from './progress';

const keyOf = (exportType: string, contract: string, startAt: number | undefined) => `${exportType}|${contract}|${startAt}`;

export const createCopyProgress = (emit: (event: RunEvent) => void, now: () => number = Date.now) => {
  const starts = new Map<string, number>();
  return {
    /** A copy (or its retry) starts over: its rate counts from now. */
    restart: (ref: ExportRef): void => void starts.delete(keyOf(ref.exportType, ref.contract, ref.window?.startAt)),
    onProgress: (progress: CopyProgress): void => {
      const key = keyOf(progress.exportType, progress.contract, progress.startAt);
      const since = starts.get(key) ?? now();
      starts.set(key, since);
      const seconds = (now() - since) / 1000;
      emit({
        kind: 'copyProgress',
        export: {
          exportType: progress.exportType,
          contract: progress.contract,
          window: { startAt: progress.startAt, endAt: progress.endAt },
        },
        bytes: progress.bytes,
        total: progress.total,
        bytesPerSecond: seconds > 0 ? progress.bytes / seconds : 0,
      });
    },
  };
};
