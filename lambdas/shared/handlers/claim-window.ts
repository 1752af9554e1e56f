/**
 * Claim export window: before any LinkedIn job is made for the pair's head window, the export
 * ledger is asked (docs/design.md, "Exactly once"). Days already landed are skipped, another live
 * execution's claim is waited for, a dead one's job is resumed by id, and otherwise the window is
 * claimed with a conditional write, so two executions can never both create a job for a day.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Ledger, LedgerClaim } from '../contract/ledger';
import { type ClaimEvent, claimEventSchema, type ExportTask, type ExportWindow } from '../contract/state';
import { type ClaimDecision, decideClaim, ownClaim } from '../ledger/claims';
import { markMoved, moveSuperseded } from '../ledger/landing';
import { isClaimLive, type OwnerState } from '../ledger/liveness';
import { ledgerOf } from '../ledger/location';
import { LedgerCorruptError, type LedgerLocation, replaceCorruptLedger, updateLedger } from '../ledger/store';
import { metrics } from '../powertools';
import { countDays, sharesDays } from '../ledger/days';
import { afterClaimed, allLanded, skipLandedWindow, waitForHolder } from '../workflow/claim-steps';
import { currentWindow } from '../workflow/transitions';
import { formatWindow } from '../workflow/windows';
import type { ClaimDependencies, Provide } from './dependencies';
import { logKeys } from './log-keys';
import { type HandlerOptions, type InvocationLogger, withPowertools } from './middy';

type Log = InvocationLogger;

/** The owner state of every other claim sharing a day with `window`, asked in parallel. */
const ownerStates = async (ledger: Ledger, window: ExportWindow, owner: string, deps: ClaimDependencies) => {
  const others = ledger.claims.filter((claim) => claim.owner !== owner && sharesDays(claim, window));
  const states = new Map<LedgerClaim, OwnerState>();
  await Promise.all(others.map(async (claim) => states.set(claim, await deps.ownerCheck(claim))));
  return states;
};

/** Finishes moves a crash left undone (a forced landing recorded them, then stopped). */
const finishPendingMoves = async (at: LedgerLocation, ledger: Ledger, deps: ClaimDependencies, log: Log): Promise<void> => {
  const pending = ledger.superseded.filter((entry) => !entry.moved);
  if (pending.length === 0) return;
  const done = await moveSuperseded(at.s3, at.bucket, pending);
  await updateLedger(at, (current) => ({ ledger: markMoved(current, done), result: undefined }), { now: deps.now });
  log.info('Finished moving superseded objects out of the data location', { moved: done.length });
};

/** One claim attempt for the task's head window. */
const claimHead = async (at: LedgerLocation, task: ExportTask, owner: string, deps: ClaimDependencies, log: Log) => {
  const window = currentWindow(task);
  const request = {
    window,
    owner,
    force: task.force === true,
    now: deps.now(),
    leaseMs: deps.config.CLAIM_LEASE_SECONDS * 1000,
    ...(deps.process ? { process: deps.process } : {}),
  };
  return updateLedger<{ decision: ClaimDecision; ledger: Ledger }>(
    at,
    async (ledger) => {
      const states = await ownerStates(ledger, window, owner, deps);
      const decision = decideClaim(ledger, request, (claim) => isClaimLive(claim, states.get(claim) ?? 'unknown', request.now));
      return { ledger: 'ledger' in decision ? decision.ledger : undefined, result: { decision, ledger } };
    },
    {
      now: deps.now,
      onLostRace: (attempt) => log.info('Another execution wrote the ledger first; reading it again', { attempt }),
      onSkippedManifest: (key, reason) => log.warn('A manifest could not seed the new ledger', { key, reason }),
    },
  );
};

/** Reads the ledger through claimHead, moving a corrupt one aside first when the input forces. */
const claimWithCorruptionPolicy = async (at: LedgerLocation, task: ExportTask, owner: string, deps: ClaimDependencies, log: Log) => {
  try {
    return await claimHead(at, task, owner, deps, log);
  } catch (error) {
    if (!(error instanceof LedgerCorruptError) || task.force !== true) throw error;
    const keptAt = await replaceCorruptLedger(at, error, { now: deps.now });
    log.warn('Forced run: the corrupt ledger was kept aside and rebuilt from the manifests', {
      ledger: error.uri,
      keptAt,
      reason: error.reason,
    });
    return claimHead(at, task, owner, deps, log);
  }
};

export const createClaimHandler = (provide: Provide<ClaimDependencies>, options?: HandlerOptions) =>
  withPowertools(
    claimEventSchema,
    async ({ task: input, executionArn }: ClaimEvent, _context, log): Promise<ExportTask> => {
      const deps = provide();
      // The pair's first execution owns its claims; continuations act in its name.
      const owner = input.owner ?? executionArn;
      const at = ledgerOf(deps, input);
      let task: ExportTask = { ...input, owner };
      log.appendKeys({ exportType: task.exportType, contract: task.contract, owner });
      metrics.addMetric('ClaimSteps', MetricUnit.Count, 1);
      for (;;) {
        if (task.pending.length === 0) {
          log.info('Every pending day had landed already');
          return allLanded(task);
        }
        log.appendKeys(logKeys(task));
        const { result } = await claimWithCorruptionPolicy(at, task, owner, deps, log);
        const { decision, ledger } = result;
        await finishPendingMoves(at, ledger, deps, log);
        const skippedDays = countDays(decision.skipped);
        if (skippedDays > 0) {
          log.info('Already landed: skipped', { skipped: decision.skipped.map(formatWindow), days: skippedDays });
          metrics.addMetric('DaysAlreadyLanded', MetricUnit.Count, skippedDays);
        }
        switch (decision.kind) {
          case 'landed':
            task = skipLandedWindow(task, decision.skipped);
            continue;
          case 'wait': {
            const next = waitForHolder(task, decision.holder, decision.skipped, decision.gaps, {
              initial: deps.config.POLL_INITIAL_SECONDS,
              max: deps.config.POLL_MAX_SECONDS,
              deadline: deps.config.JOB_DEADLINE_SECONDS,
            });
            log.info('Another execution holds these days; waiting for it', {
              holder: decision.holder.owner,
              holderJobId: decision.holder.jobId,
              waitSeconds: next.waitSeconds,
            });
            metrics.addMetric('ClaimWaits', MetricUnit.Count, 1);
            return next;
          }
          default: {
            const next = afterClaimed(task, decision.claim, decision.skipped, decision.gaps, decision.kind === 'resume');
            if (decision.kind === 'resume') {
              log.info("Took over a dead execution's claim; resuming its LinkedIn job", {
                jobId: decision.claim.jobId,
                from: decision.claim.tookOverFrom,
              });
              metrics.addMetric('JobsResumed', MetricUnit.Count, 1);
            } else {
              log.info(next.next === 'poll' ? 'Claim held already; checking its job' : 'Window claimed', {
                window: formatWindow(decision.claim),
                ...(ownClaim(ledger, owner, decision.claim) ? { again: true } : {}),
              });
            }
            return next;
          }
        }
      }
    },
    options,
  );
