import {XlatCommand} from '../../../cli/base-command.js';
import {attachArgs, changeAttachments, interfaceNames} from '../../../cli/attach-command.js';
import {instanceView, type InstanceView} from '../../../cli/render.js';

export default class Nat64InstanceDetach extends XlatCommand<typeof Nat64InstanceDetach> {
  static override summary = 'Detach the running NAT64 instance from some of its interfaces.';

  static override description = `The instance keeps its configuration and state and goes on translating on its other interfaces; it must keep one (remove the instance instead). Exit 3 when it is not attached to one of them.`;

  static override examples = ['<%= config.bin %> <%= command.id %> eth1', '<%= config.bin %> -n red <%= command.id %> eth1 eth2'];

  static override writes = true;

  static override strict = false;

  static override args = {...attachArgs};

  public async run(): Promise<{instance: InstanceView}> {
    const names = interfaceNames(this.positionals);
    const mod = await this.nat64();
    await changeAttachments('NAT64', 'detach', names, 'auto');
    const instance = await mod.findNat64Instance();
    return {instance: instanceView(instance!)};
  }
}
