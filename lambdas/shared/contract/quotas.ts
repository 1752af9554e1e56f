/**
 * Step Functions' quotas this workflow is sized against, and the bounds the product keeps so it
 * stays below half of each whatever the number of contracts (docs/design.md, "Partner scale").
 * The history-budget test (test/infra/history-budget.test.ts) checks them against the
 * synthesized ASL and the backoff policy.
 */

/** Events in one execution's history (a hard quota: the execution fails beyond it). */
export const HISTORY_EVENT_QUOTA = 25_000;
/** Bytes of one state's input or output, and of an execution's input or output. */
export const PAYLOAD_QUOTA_BYTES = 256 * 1024;
/** What the product keeps every state's payload under, a quarter of the quota. */
export const STATE_PAYLOAD_TARGET_BYTES = 64 * 1024;

/**
 * Task steps (create, check, copy) one execution of a pair runs before it continues in a fresh
 * execution (the Route state's `steps` check). A step costs at most 54 history events (a check
 * with all 15 retries spent, see infra/history-budget.ts), so 200 steps (10,800 events) stay under
 * half the history quota.
 */
export const MAX_STEPS_PER_EXECUTION = 200;

/**
 * Landed objects a pair's state keeps in `results`; `landed` counts them all. 20 objects of
 * ~560 B keep a pair's state near 12 KiB, and the `.sync:2` answer of a continuation (its input
 * and its output, both such a state, as JSON text) under 64 KiB; every object has its manifest
 * beside it in S3.
 */
export const MAX_RESULTS_IN_TASK = 20;

/** The Summarize step's output (the execution output) stays under this; the report holds the rest. */
export const MAX_SUMMARY_BYTES = 48 * 1024;

/** Failed pairs named in a run's cause and listed in its summary. */
export const FAILED_PAIRS_LISTED = 5;
