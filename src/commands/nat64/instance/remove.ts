import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {NoInstanceError} from '../../../errors.js';
import {instanceView, type InstanceView} from '../../../cli/render.js';

export default class Nat64InstanceRemove extends XlatCommand<typeof Nat64InstanceRemove> {
  static override summary = 'Detach and delete the NAT64 instance of this namespace.';

  static override description = `Detaches the NAT64 from every interface and restores the accept_local sysctls it set; the kernel then frees its programs and maps, with every BIB entry, session and counter. Exit 3 if the namespace has no NAT64 instance.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Remove the instance of the namespace "red":', command: '<%= config.bin %> -n red <%= command.id %>'},
  ];

  static override writes = true;

  static override flags = {
    'if-exists': Flags.boolean({summary: "No error when there is no instance (Jool's `instance flush`).", default: false}),
  };

  public async run(): Promise<{removed: InstanceView[]}> {
    const nat64 = await this.nat64();
    try {
      return {removed: [instanceView(await nat64.removeNat64Instance())]};
    } catch (err) {
      if (!(err instanceof NoInstanceError && this.flags['if-exists'])) throw err;
      this.changed = false;
      return {removed: []};
    }
  }
}
