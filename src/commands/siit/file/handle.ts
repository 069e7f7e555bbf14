import {XlatCommand} from '../../../cli/base-command.js';
import {fileHandleArgs, fileHandleFlags, fileHandleText, type FileHandleResult} from '../../../cli/file-handle.js';

export default class SiitFileHandle extends XlatCommand<typeof SiitFileHandle> {
  static override summary = 'Bring the SIIT instance to exactly what a configuration file says (creating it if needed).';

  static override description = `FILE is Jool's atomic-configuration JSON (instance, framework, global, eamt, denylist4 or blacklist4, comment anywhere) plus xlat's instance options (interfaces, hook); see schema/config.schema.json ('xlat config schema' prints it). Globals the file leaves out take their defaults, as in Jool; tables become exactly the file's.

The file is validated first (every error is reported, with its JSON pointer, exit 2); then the changes are computed against the running instance and applied all or nothing: a failure halfway undoes what was done, and a new instance is removed. Applying the same file again changes nothing (changed: false). --check computes the changes and writes nothing; --diff prints them. With --json: {"changed", "changes": [...], "applied", "notes"}.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> siit.json',
    {description: 'What would change, as lines:', command: '<%= config.bin %> <%= command.id %> siit.json --check --diff'},
    {description: 'Round trip:', command: '<%= config.bin %> siit file export > siit.json && <%= config.bin %> <%= command.id %> siit.json'},
  ];

  static override writes = true;

  static override args = {...fileHandleArgs};

  static override flags = {...fileHandleFlags};

  public async run(): Promise<FileHandleResult> {
    const {readConfig} = await import('../../../config/read.js');
    const parsed = await readConfig('SIIT', this.args.file, this.flags.force);
    await this.enterKernel();
    const [{planSiit}, {SIIT_GLOBAL_DEFAULTS}, apply] = await Promise.all([
      import('../../../config/plan.js'),
      import('../../../config/state.js'),
      import('../../../instance/siit/apply.js'),
    ]);
    const plan = planSiit(await apply.readSiitCurrent(), parsed.state, SIIT_GLOBAL_DEFAULTS);
    if (!this.flags.check) await apply.applySiitPlan(plan, parsed.state, this.verbose);
    const result: FileHandleResult = {changed: plan.changes.length > 0, changes: plan.changes, applied: !this.flags.check, notes: parsed.notes};
    this.changed = result.changed && result.applied;
    if (!this.jsonEnabled()) for (const n of parsed.notes) process.stderr.write(`Note: ${n}\n`);
    this.log(fileHandleText(result, this.args.file === '-' ? 'standard input' : this.args.file, this.flags.diff));
    return result;
  }
}
