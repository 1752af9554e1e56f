/**
 * The Plan's pass over the export ledger (docs/design.md, "Exactly once"): each pair's windows lose
 * the days already landed and verified, and a pair with nothing left is not run at all. This is an
 * early cut, not the guarantee: another execution may land days between the Plan and the pair's
 * claim, and the claim step (handlers/claim-window.ts) subtracts again, under a conditional write.
 */
import type { AlreadyLandedPair, ExportTask } from '../contract/state';
import { NO_LEDGER_NOTES, withSkipped } from '../workflow/claim-steps';
import { countDays, gapJobWindows, intersectDays, mergeWindows } from './days';
import { LedgerCorruptError, type LedgerLocation, readLedger } from './store';
import { mapLimited } from '../map-limited';

/** Ledgers read at once: the Plan of 30,000 pairs reads 30,000 small objects. */
export const LEDGER_READ_CONCURRENCY = 32;

export interface PlannedAgainstLedger {
  /** The pairs with days to export, their windows cut to the gaps. */
  tasks: ExportTask[];
  /** The pairs every asked day of which has landed. */
  alreadyLanded: AlreadyLandedPair[];
  /** Days left out, in both. */
  skippedDays: number;
  /** Pairs whose ledger is corrupt: planned as asked; their claim step fails them by name. */
  corrupt: string[];
}

/** Cuts every task's windows to the days its ledger does not hold. Forced tasks stay as planned. */
export const planAgainstLedger = async (
  tasks: readonly ExportTask[],
  locationOf: (task: ExportTask) => LedgerLocation,
): Promise<PlannedAgainstLedger> => {
  const outcome: PlannedAgainstLedger = { tasks: [], alreadyLanded: [], skippedDays: 0, corrupt: [] };
  const read = await mapLimited(tasks, LEDGER_READ_CONCURRENCY, async (task) => {
    if (task.force) return { task, landed: [] };
    try {
      return { task, landed: (await readLedger(locationOf(task))).ledger?.objects ?? [] };
    } catch (error) {
      if (error instanceof LedgerCorruptError) return { task, landed: [], corrupt: error.uri };
      throw error;
    }
  });
  for (const { task, landed, corrupt } of read) {
    if (corrupt) outcome.corrupt.push(corrupt);
    if (landed.length === 0) {
      outcome.tasks.push(task);
      continue;
    }
    const skipped = mergeWindows(task.pending.flatMap((window) => intersectDays(window, landed)));
    const pending = gapJobWindows(task.pending, landed);
    outcome.skippedDays += countDays(skipped);
    if (pending.length === 0) {
      outcome.alreadyLanded.push({ exportType: task.exportType, contract: task.contract, windows: skipped, days: countDays(skipped) });
    } else {
      outcome.tasks.push(skipped.length > 0 ? { ...task, pending, ledger: withSkipped(task.ledger ?? NO_LEDGER_NOTES, skipped) } : task);
    }
  }
  return outcome;
};
