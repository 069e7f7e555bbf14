import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {tableFlags} from '../../../cli/flags.js';
import {renderTable} from '../../../cli/output.js';
import {INSTANCE_HEADERS, instanceRows, instanceView, type InstanceView} from '../../../cli/render.js';

export default class Nat64InstanceDisplay extends XlatCommand<typeof Nat64InstanceDisplay> {
  static override summary = 'Show the NAT64 instance of this namespace (or of every namespace) and where it is attached.';

  static override description = `Prints a table with one row per attached interface: the namespace, the type, the instance name (recorded from Jool-style commands and files), its status (Running, or Paused while manually-enabled is false), the map layout version of the attached programs ('xlat --version' prints this xlat's), pool6 ((unset) until one is set: nothing is translated), the table capacity, the interface, its hook (xdp or tc), the attach mode (native, generic or clsact-ingress) and why that hook serves it.

The table is empty when the namespace has no instance. --all-namespaces lists the NAT64 instances of every named namespace (/run/netns) and of the current one, as Jool's 'instance display' does. With --json: {"instances": [...]}.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --csv --no-headers',
    '<%= config.bin %> <%= command.id %> --all-namespaces',
    '<%= config.bin %> -n red <%= command.id %> --json',
  ];

  static override flags = {
    ...tableFlags,
    'all-namespaces': Flags.boolean({char: 'A', summary: 'Every named namespace (/run/netns) and the current one.', default: false}),
  };

  public async run(): Promise<{instances: InstanceView[]}> {
    await this.enterKernel();
    const {findInstances} = await import('../../../instance/all-namespaces.js');
    const instances = (await findInstances('NAT64', this.flags['all-namespaces'])).map(instanceView);
    this.log(renderTable(INSTANCE_HEADERS, instanceRows(instances), {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return {instances};
  }
}
