/**
 * oclif `command_not_found` hook: reports an unknown command, or extra words after
 * a command that takes no arguments, as one line `Error: ...` with exit code 2,
 * like every other input error (a JSON object on stdout under --json).
 *
 * Register in package.json: "oclif": {"hooks": {"command_not_found": "./dist/cli/hooks/command-not-found.js"}}
 */
import type {Hook} from '@oclif/core';
import {toJson} from '../output.js';

const hook: Hook<'command_not_found'> = async function (opts) {
  const words = opts.id.split(':');
  const known = new Set(opts.config.commandIDs);
  let message = `'${words.join(' ')}' is not an xlat command (see '${opts.config.bin} --help')`;
  for (let n = words.length - 1; n > 0; n--) {
    const id = words.slice(0, n).join(':');
    if (known.has(id)) {
      const extra = words.slice(n);
      const cmd = `${opts.config.bin} ${words.slice(0, n).join(' ')}`;
      message = `unexpected argument${extra.length === 1 ? '' : 's'} ${extra.map((w) => `'${w}'`).join(' ')} for '${cmd}' (see '${cmd} --help')`;
      break;
    }
  }
  if ((opts.argv ?? []).includes('--json')) process.stdout.write(`${toJson({error: {message}})}\n`);
  else process.stderr.write(`Error: ${message}\n`);
  process.exitCode = 2;
  return null;
};

export default hook;
