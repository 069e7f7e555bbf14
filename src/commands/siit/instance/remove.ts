import {XlatCommand} from '../../../cli/base-command.js';

export default class SiitInstanceRemove extends XlatCommand<typeof SiitInstanceRemove> {
  static override summary = 'Detach and delete the SIIT instance of this namespace.';

  static override description = `Detaches the translator from every interface it is attached to; the kernel then frees its programs, maps and counters. Fails if the namespace has no SIIT instance.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Remove the instance of the namespace "red":', command: '<%= config.bin %> <%= command.id %> -n red'},
  ];

  public async run(): Promise<{removed: true}> {
    const siit = await this.siit();
    await siit.removeSiitInstance();
    return {removed: true};
  }
}
