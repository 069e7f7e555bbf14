import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {NoInstanceError} from '../../../errors.js';
import {instanceView, type InstanceView} from '../../../cli/render.js';

export default class SiitInstanceRemove extends XlatCommand<typeof SiitInstanceRemove> {
  static override summary = 'Detach and delete the SIIT instance of this namespace.';

  static override description = `Detaches the translator from every interface it is attached to; the kernel then frees its programs, maps and counters. Exit 3 if the namespace has no SIIT instance.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Remove the instance of the namespace "red":', command: '<%= config.bin %> -n red <%= command.id %>'},
  ];

  static override writes = true;

  static override flags = {
    'if-exists': Flags.boolean({summary: "No error when there is no instance (Jool's `instance flush`).", default: false}),
  };

  public async run(): Promise<{removed: InstanceView[]}> {
    const siit = await this.siit();
    try {
      return {removed: [instanceView(await siit.removeSiitInstance())]};
    } catch (err) {
      if (!(err instanceof NoInstanceError && this.flags['if-exists'])) throw err;
      this.changed = false;
      return {removed: []};
    }
  }
}
