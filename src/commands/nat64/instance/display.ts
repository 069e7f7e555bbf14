import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {renderTable} from '../../../cli/output.js';
import type {Nat64Instance} from '../../../instance/nat64.js';

export const NAT64_INSTANCE_HEADERS = ['Namespace', 'Type', 'Layout', 'Pool6', 'Capacity', 'Interface', 'Hook', 'Mode', 'Reason'];

export default class Nat64InstanceDisplay extends XlatCommand<typeof Nat64InstanceDisplay> {
  static override summary = 'Show the NAT64 instance of this namespace and where it is attached.';

  static override description = `One row per attached interface: namespace, type, map layout version, pool6, table capacity, interface, hook, attach mode and why that hook was chosen. Empty when the namespace has no NAT64 instance ({"instance": null} with --json).`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static override flags = {
    csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
    'no-headers': Flags.boolean({summary: 'Do not print the header row.', default: false}),
  };

  public async run(): Promise<{instance: Nat64Instance | null}> {
    const nat64 = await this.nat64();
    const instance = await nat64.findNat64Instance();
    const rows = instance
      ? instance.interfaces.map((i) => [instance.netns, instance.type, String(instance.layout), instance.pool6, String(instance.capacity), i.name, i.hook, i.mode, i.reason || '-'])
      : [];
    this.log(renderTable(NAT64_INSTANCE_HEADERS, rows, {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return {instance};
  }
}
