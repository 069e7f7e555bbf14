/**
 * All-or-nothing changes of any kind (map writes, attachments, sysctls):
 * each step done records how to undo itself; on failure the steps done are
 * undone, newest first, and the error says whether that worked.
 */
import {XlatError} from '../errors.js';
import {faultPoint} from '../sys/fault.js';

export class Journal {
  private readonly undos: {what: string; undo: () => void | Promise<void>}[] = [];

  /** Does one step; its undo runs if a later step fails. */
  async step<T>(what: string, run: () => T | Promise<T>, undo: (done: T) => void | Promise<void>): Promise<T> {
    faultPoint(what);
    const done = await run();
    this.undos.push({what, undo: () => undo(done)});
    return done;
  }

  /** Undoes every step done, newest first; returns what could not be undone. */
  async rollback(): Promise<string[]> {
    const failed: string[] = [];
    for (const u of this.undos.reverse()) {
      try {
        await u.undo();
      } catch {
        failed.push(u.what);
      }
    }
    this.undos.length = 0;
    return failed;
  }
}

/** Runs fn with a journal; on failure rolls back and throws one line saying what happened. */
export async function atomically<T>(what: string, fn: (j: Journal) => Promise<T>): Promise<T> {
  const j = new Journal();
  try {
    return await fn(j);
  } catch (err) {
    const failed = await j.rollback();
    const why = err instanceof Error ? err.message : String(err);
    const outcome = failed.length === 0 ? 'nothing was changed' : `and undoing failed for: ${failed.join('; ')} (check the instance with its display commands)`;
    const exitCode = err instanceof XlatError ? err.exitCode : undefined;
    throw new XlatError(`${what} failed: ${why}; ${outcome}`, {cause: err, exitCode});
  }
}
