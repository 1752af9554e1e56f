/** Defaults of `npm start`, in one place for the runner, its option parser and its help. */

/** Waits run at this fraction of real time unless `--time-scale` says otherwise. */
export const DEFAULT_TIME_SCALE = 0.05;
/** The bucket `npm start` writes to when `--bucket` is not given. */
export const DEFAULT_BUCKET = 'linkedin-salesnav-exports';
/** The simulator's contract with reporting access: the default run exports it. */
export const SIMULATOR_CONTRACT = 'urn:li:contract:123456';
