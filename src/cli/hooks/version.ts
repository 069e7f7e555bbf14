/**
 * oclif `init` hook: `xlat --version` prints oclif's line (package, platform, Node.js) and the map layout version
 * of each BPF object this package carries, read from the objects' BTF (no libbpf needed). `xlat --version --json`
 * prints the same as one object. An object that cannot be read is one line `Error: ...` and exit 1.
 * Every other command line passes through untouched.
 *
 * Register in package.json: "oclif": {"hooks": {"init": "./dist/cli/hooks/version.js"}}
 */
import type {Hook} from '@oclif/core';
import {toJson} from '../output.js';
import {reportError} from '../errors.js';

const hook: Hook<'init'> = async function (opts) {
  // the same test oclif makes before printing its own version line
  if (opts.id !== '--version') return;
  const json = (opts.argv ?? []).includes('--json');
  const {layoutVersion} = await import('../../instance/objects.js');
  let report: {xlat: string; platform: string; node: string; layouts: {siit: number; nat64: number}};
  try {
    report = {
      xlat: opts.config.version,
      platform: `${opts.config.platform}-${opts.config.arch}`,
      node: process.version,
      layouts: {siit: layoutVersion('siit'), nat64: layoutVersion('nat64')},
    };
  } catch (err) {
    const {message} = reportError(err);
    if (json) process.stdout.write(`${toJson({error: {message}})}\n`);
    else process.stderr.write(`${opts.config.userAgent}\nError: ${message}\n`);
    process.exit(1);
  }
  if (json) process.stdout.write(`${toJson(report)}\n`);
  else process.stdout.write(`${opts.config.userAgent}\nmap layouts: siit ${report.layouts.siit}, nat64 ${report.layouts.nat64}\n`);
  // oclif would print its own line next; a hook cannot end the run otherwise (its exit(0) is swallowed)
  process.exit(0);
};

export default hook;
