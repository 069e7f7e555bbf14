import {XlatCommand} from '../../../cli/base-command.js';
import {fileHandleArgs, fileHandleFlags, fileHandleText, type FileHandleResult} from '../../../cli/file-handle.js';
import {InputError} from '../../../errors.js';

export default class Nat64FileHandle extends XlatCommand<typeof Nat64FileHandle> {
  static override summary = 'Bring the NAT64 instance to exactly what a configuration file says (creating it if needed).';

  static override description = `FILE is Jool's atomic-configuration JSON (instance, framework, global, pool4, bib, comment anywhere) plus xlat's instance options (interfaces, hook, capacity); see schema/config.schema.json ('xlat config schema' prints it). Globals the file leaves out take their defaults, as in Jool; pool4 and the static BIB entries become exactly the file's (unlike Jool, static BIB entries are applied on updates too; dynamic ones are kept unless their pool4 addresses go). A pool4 entry without "port range" takes 61001-65535.

The file is validated first (every error is reported, with its JSON pointer, exit 2); then the changes are computed against the running instance and applied all or nothing: a failure halfway undoes what was done, and a new instance is removed. Applying the same file again changes nothing (changed: false). --check computes the changes and writes nothing; --diff prints them. With --json: {"changed", "changes": [...], "applied", "notes"}.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> nat64.json',
    {description: 'What would change, as lines:', command: '<%= config.bin %> <%= command.id %> nat64.json --check --diff'},
  ];

  static override writes = true;

  static override args = {...fileHandleArgs};

  static override flags = {...fileHandleFlags};

  public async run(): Promise<FileHandleResult> {
    const {readConfig} = await import('../../../config/read.js');
    const parsed = await readConfig('NAT64', this.args.file, this.flags.force);
    const nat64 = await this.nat64();
    const [{planNat64}, {NAT64_GLOBAL_DEFAULTS}, apply, {pool4Combine}] = await Promise.all([
      import('../../../config/plan.js'),
      import('../../../config/state.js'),
      import('../../../instance/nat64/apply.js'),
      import('../../../model/pool4-set.js'),
    ]);
    const current = await apply.readNat64Current();
    const plan = planNat64(current, parsed.state, NAT64_GLOBAL_DEFAULTS);
    // New pool4 transport addresses must not cut local services off (as pool4 add).
    const fresh = pool4Combine(parsed.state.pool4, current?.pool4 ?? []);
    const risks = nat64.pool4Risks(fresh);
    if (risks.lockouts.length && !this.flags.force) throw new InputError(`${risks.lockouts[0]}; give --force to apply it anyway`);
    for (const w of [...(this.flags.force ? risks.lockouts : []), ...risks.warnings]) this.warning(w);
    if (parsed.state.global.pool6 === null) this.warning('the file sets no pool6: this NAT64 translates nothing until one is set');
    if (!this.flags.check) await apply.applyNat64Plan(plan, parsed.state, this.verbose, (m) => this.warning(m));
    const result: FileHandleResult = {changed: plan.changes.length > 0, changes: plan.changes, applied: !this.flags.check, notes: parsed.notes};
    this.changed = result.changed && result.applied;
    if (!this.jsonEnabled()) for (const n of parsed.notes) process.stderr.write(`Note: ${n}\n`);
    this.log(fileHandleText(result, this.args.file === '-' ? 'standard input' : this.args.file, this.flags.diff));
    return result;
  }
}
