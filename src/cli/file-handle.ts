/**
 * `file handle` of either translator: flags, and what is printed (the
 * changes as lines a person reads, or {changed, changes} under --json).
 */
import {Args, Flags} from '@oclif/core';
import type {Change} from '../config/plan.js';

export const fileHandleArgs = {
  file: Args.string({description: "The configuration file (JSON; '-': standard input).", required: true}),
};

export const fileHandleFlags = {
  check: Flags.boolean({summary: 'Validate and compute the changes, write nothing (a dry run).', default: false}),
  diff: Flags.boolean({summary: 'Print each change as a line: "+" added, "-" removed, "~" updated.', default: false}),
  force: Flags.boolean({
    summary: 'Accept overlapping EAMT entries, pool4 prefixes shorter than /24 and pool4 ranges over ports local services listen on.',
    default: false,
  }),
};

export interface FileHandleResult {
  /** Whether the instance differs (differed) from the file. */
  changed: boolean;
  changes: Change[];
  /** false under --check: nothing was written. */
  applied: boolean;
  /** Keys accepted and ignored, and why. */
  notes: string[];
}

/** The text `file handle` prints: the changes (with --diff), then one summary line. */
export function fileHandleText(r: FileHandleResult, file: string, diff: boolean): string {
  const lines = diff ? r.changes.map((c) => c.text) : [];
  if (!r.changed) lines.push(`No change: the instance already is what ${file} says.`);
  else if (r.applied) lines.push(`Applied ${r.changes.length} change${r.changes.length === 1 ? '' : 's'} from ${file}.`);
  else lines.push(`${r.changes.length} change${r.changes.length === 1 ? '' : 's'} to apply from ${file} (--check: nothing was written).`);
  return lines.join('\n');
}
