/**
 * The copy's one deadline and the small helpers that let every await honour it.
 *
 * A single AbortController fires `safetyMarginMs` before the Lambda's end, so the download, the
 * upload and the job GET stop together while there is still time to abort the multipart upload.
 * It aborts with a {@link DeadlineReached} reason: a failed stream must be able to tell "out of
 * time" (→ `CopyDeadlineExceeded`, retried by the state machine) from its own fault.
 */
import { ERROR_NAMES, NamedError } from '../contract/error-names';

/** The reason the deadline aborts with. */
export class DeadlineReached extends Error {
  override readonly name = 'DeadlineReached';
}

export const isDeadlineReached = (reason: unknown): boolean => reason instanceof DeadlineReached;

/** The time the copy may use; zero or less means it must not start. */
export const copyBudgetMs = (remainingTimeMs: number, safetyMarginMs: number): number => remainingTimeMs - safetyMarginMs;

/** What the copy fails with once the deadline has fired, whatever the interrupted step threw. */
export const deadlineExceeded = (jobId: number, safetyMarginMs: number, cause?: unknown): NamedError =>
  new NamedError(
    ERROR_NAMES.copyDeadline,
    `Stopped copying job ${jobId} ${Math.round(safetyMarginMs / 1000)} s before the Lambda's time limit; ` +
      'the state machine retries with a fresh download URL',
    cause === undefined ? undefined : { cause },
  );

export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer; call once the copy has settled. */
  clear: () => void;
}

/** Starts the copy's deadline; a budget already spent aborts at once. */
export const startDeadline = (budgetMs: number): Deadline => {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  if (budgetMs <= 0) controller.abort(new DeadlineReached());
  else timer = setTimeout(() => controller.abort(new DeadlineReached()), budgetMs);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
};

/**
 * A controller that aborts when `parent` does, and can also be aborted on its own: one attempt
 * must stop its download when its upload fails without touching the copy's deadline.
 * `release` detaches it from `parent` and aborts it (whatever the attempt left running stops).
 */
export const childController = (parent: AbortSignal): { controller: AbortController; release: () => void } => {
  const controller = new AbortController();
  const follow = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', follow, { once: true });
  return {
    controller,
    release: () => {
      parent.removeEventListener('abort', follow);
      controller.abort();
    },
  };
};

export const throwIfAborted = (signal: AbortSignal): void => {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
};

/**
 * Races a promise against `signal`. The job GET is handed the signal too, but `getJob` is a
 * dependency: one that ignores the signal must still not hold the copy past its deadline.
 */
export const untilAborted = <T>(promise: Promise<T>, signal: AbortSignal): Promise<T> => {
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
};
