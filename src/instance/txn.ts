/**
 * All-or-nothing changes over several BPF maps: each step records how to undo
 * itself, and a failure undoes the steps already done, newest first.
 * Kernel-free: works on anything with update/delete/lookup (tests pass fakes).
 * Both translators' tables use it (SIIT's EAMT and denylist4, NAT64's static BIB).
 */
import {XlatError} from '../errors.js';

export interface TxnMap {
  readonly name: string;
  lookup(key: Buffer): Buffer | null;
  update(key: Buffer, value: Buffer, flags?: bigint): void;
  delete(key: Buffer): boolean;
}

/** BPF_NOEXIST: creating a key that exists fails (EEXIST) instead of replacing it. */
export const NOEXIST = 1n;

export type TxnStep = {op: 'create'; map: TxnMap; key: Buffer; value: Buffer} | {op: 'delete'; map: TxnMap; key: Buffer; value: Buffer};

/**
 * Runs the steps in order. 'create' adds a key that must not exist (undo:
 * delete it); 'delete' removes a key whose current value is `value` (undo:
 * put it back). On failure every step done is undone and the error is
 * rethrown as an XlatError saying whether the rollback succeeded.
 */
export function runTxn(steps: readonly TxnStep[], what: string): void {
  const done: TxnStep[] = [];
  try {
    for (const s of steps) {
      if (s.op === 'create') s.map.update(s.key, s.value, NOEXIST);
      else if (!s.map.delete(s.key)) throw new XlatError(`an entry of ${s.map.name} vanished meanwhile`);
      done.push(s);
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    let undoFailed = 0;
    for (const s of done.reverse()) {
      try {
        if (s.op === 'create') s.map.delete(s.key);
        else s.map.update(s.key, s.value, NOEXIST);
      } catch {
        undoFailed++;
      }
    }
    const outcome =
      undoFailed === 0
        ? 'nothing was changed'
        : `and undoing ${undoFailed} of ${done.length} earlier changes failed too: check the table with its display command`;
    throw new XlatError(`${what} failed: ${why}; ${outcome}`, {cause: err});
  }
}
