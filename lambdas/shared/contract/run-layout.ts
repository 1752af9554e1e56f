/**
 * Where a run keeps its files in the export bucket, beside the exports and never inside an export
 * type's folder: the Plan's items and the run report under `<prefix>runs/<execution name>/`, the
 * Map Run's results under `<prefix>runs/map-results/<map run id>/`, the export ledger under
 * `<prefix>ledger/` and the objects a forced export replaced under `<prefix>superseded/`. infra
 * grants access by these folders; lambdas/shared/workflow/keys.ts builds the keys.
 */

/** The folder of every run's files, under the key prefix. */
export const RUNS_FOLDER = 'runs/';

/** The ResultWriter prefix under the key prefix (S3 adds `/<map run id>/…`). */
export const MAP_RESULTS_FOLDER = `${RUNS_FOLDER}map-results`;

/** The export ledger: one object per (export type, contract). */
export const LEDGER_FOLDER = 'ledger/';

/** Objects (and their manifests) a forced export replaced, kept recoverable outside the data location. */
export const SUPERSEDED_FOLDER = 'superseded/';
