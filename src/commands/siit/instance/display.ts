import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {renderTable} from '../../../cli/output.js';
import {INSTANCE_HEADERS, instanceRows} from '../../../cli/render.js';
import type {SiitInstance} from '../../../instance/siit.js';

export default class SiitInstanceDisplay extends XlatCommand<typeof SiitInstanceDisplay> {
  static override summary = 'Show the SIIT instance of this namespace and where it is attached.';

  static override description = `Prints a table with one row per attached interface: the namespace, the instance type, the map layout version of the attached programs ('xlat --version' prints this xlat's), pool6, the interface, its hook (xdp or tc), the attach mode (native, generic or clsact-ingress) and why that hook was chosen.

The table is empty when the namespace has no instance. With --json the instance object is printed ({"instance": null} when there is none).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --csv --no-headers',
    '<%= config.bin %> <%= command.id %> -n red --json',
  ];

  static override flags = {
    csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
    'no-headers': Flags.boolean({summary: 'Do not print the header row.', default: false}),
  };

  public async run(): Promise<{instance: SiitInstance | null}> {
    const siit = await this.siit();
    const instance = await siit.findSiitInstance();
    this.log(renderTable(INSTANCE_HEADERS, instanceRows(instance), {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return {instance};
  }
}
