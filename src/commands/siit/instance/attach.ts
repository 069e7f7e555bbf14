import {XlatCommand} from '../../../cli/base-command.js';
import {attachArgs, attachFlags, changeAttachments, interfaceNames} from '../../../cli/attach-command.js';
import {instanceView, type InstanceView} from '../../../cli/render.js';

export default class SiitInstanceAttach extends XlatCommand<typeof SiitInstanceAttach> {
  static override summary = 'Attach the running SIIT instance to more interfaces.';

  static override description = `The instance keeps its configuration and state; the new interfaces get the hook --hook chooses (as 'instance add' does), XDP only where the instance's XDP program is loaded (an instance attached with tc alone has none). Exit 4 when it is attached to one of them already.`;

  static override examples = ['<%= config.bin %> <%= command.id %> eth1', '<%= config.bin %> -n red <%= command.id %> eth1 eth2'];

  static override writes = true;

  static override strict = false;

  static override args = {...attachArgs};

  static override flags = {...attachFlags};
  public async run(): Promise<{instance: InstanceView}> {
    const names = interfaceNames(this.positionals);
    const mod = await this.siit();
    await changeAttachments('SIIT', 'attach', names, this.flags.hook);
    const instance = await mod.findSiitInstance();
    return {instance: instanceView(instance!)};
  }
}
