import {XlatCommand} from '../../../cli/base-command.js';
import {NoInstanceError} from '../../../errors.js';

export default class Nat64FileExport extends XlatCommand<typeof Nat64FileExport> {
  static override summary = "Print the NAT64 instance's running configuration as a configuration file.";

  static override description = `The file 'nat64 file handle' takes: every global (timeouts as H:MM:SS), pool4 (its deterministic entries under "pool4 deterministic"), the static BIB entries, the instance name when one is recorded, the interfaces, the hook and the capacity. Applying it again changes nothing. With --json: {"config": {...}}. Exit 3 when the namespace has no NAT64 instance.`;

  static override examples = ['<%= config.bin %> <%= command.id %> > nat64.json'];

  public async run(): Promise<{config: Record<string, unknown>}> {
    await this.enterKernel();
    const [{readNat64Current}, {nat64Document}] = await Promise.all([import('../../../instance/nat64/apply.js'), import('../../../config/document.js')]);
    const current = await readNat64Current();
    if (!current) throw new NoInstanceError('NAT64');
    const config = nat64Document(current);
    this.log(JSON.stringify(config, null, 2));
    return {config};
  }
}
