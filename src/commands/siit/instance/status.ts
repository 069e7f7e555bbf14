import {type StatusResult, XlatCommand} from '../../../cli/base-command.js';

export default class SiitInstanceStatus extends XlatCommand<typeof SiitInstanceStatus> {
  static override summary = 'Tell whether this namespace has a SIIT instance.';

  static override description = `Prints "Running" and exits 0 when the namespace has a SIIT instance, or prints "Dead" and exits 1 when it has none. With --json the result also says whether translation is enabled (global manually-enabled).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Use it in a script:', command: '<%= config.bin %> <%= command.id %> >/dev/null && echo up'},
    '<%= config.bin %> <%= command.id %> --json',
  ];

  public async run(): Promise<StatusResult> {
    const siit = await this.siit();
    return this.reportStatus(await siit.findSiitInstance());
  }
}
