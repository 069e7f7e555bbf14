/**
 * The xlat-jool and xlat-jool-siit entry points: a Jool command line
 * (src/jool/translate.ts) run as the xlat command lines it stands for, in
 * order, stopping at the first that fails. `alias jool=xlat-jool` makes
 * existing scripts run.
 */
import {EXIT} from '../errors.js';
import {runXlat} from '../cli/main.js';
import {JoolSyntaxError, translateJool, type JoolFlavour} from './translate.js';

export async function runJool(flavour: JoolFlavour, argv: string[], bin: string): Promise<void> {
  let t;
  try {
    t = translateJool(flavour, argv);
  } catch (err) {
    if (!(err instanceof JoolSyntaxError)) throw err;
    process.stderr.write(`Error: ${err.message} (${bin} takes Jool 4 and Jool 3 command lines; see 'xlat --help')\n`);
    process.exitCode = EXIT.input;
    return;
  }
  for (const n of t.notes) process.stderr.write(`Note: ${n}\n`);
  for (const cmd of t.commands) {
    await runXlat(cmd, bin);
    if (process.exitCode !== undefined && process.exitCode !== 0) return;
  }
}
