/**
 * The process entry of `xlat` (bin/run.js) and of the Jool front ends: puts
 * the command line into canonical form (src/cli/argv.ts), then lets oclif run
 * it. Input errors found here get the same one-line (or JSON) report and exit
 * code 2 as those found by the commands.
 */
import {execute} from '@oclif/core';
import {EXIT} from '../errors.js';
import {normalizeArgv} from './argv.js';
import {packageTree} from './command-tree.js';
import {writeError} from './envelope.js';

/** The package root, for oclif to find package.json and the manifest. */
const ROOT = new URL('../../', import.meta.url);

/** Runs an already canonical xlat command line. */
async function runCanonical(argv: string[]): Promise<void> {
  await execute({args: argv, dir: ROOT.href});
}

/** Normalizes and runs an xlat command line; returns without running on input errors (exit code set). */
export async function runXlat(argv: string[], bin = 'xlat'): Promise<void> {
  const n = normalizeArgv(argv, packageTree(), bin);
  if (n.kind === 'error') {
    writeError(n.json, n.command, n.message, EXIT.input);
    process.exitCode = EXIT.input;
    return;
  }
  await runCanonical(n.argv);
}
