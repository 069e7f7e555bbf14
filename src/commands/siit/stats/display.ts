import {XlatCommand} from '../../../cli/base-command.js';
import {statsFlags, statsOutput, type StatsResult} from '../../../cli/stats.js';

export default class SiitStatsDisplay extends XlatCommand<typeof SiitStatsDisplay> {
  static override summary = "Show the SIIT translator's counters.";

  static override description = `Prints each counter by name with its value summed over all CPUs, one per line as "NAME: VALUE". Counters that are zero are left out unless --all is given; --json always includes every counter ({"stats": {...}}). --explain adds what each counter counts; --format prometheus prints the Prometheus text exposition format (see also 'xlat metrics serve').`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all --explain',
    '<%= config.bin %> <%= command.id %> --format prometheus',
    '<%= config.bin %> <%= command.id %> --json',
  ];

  static override flags = {...statsFlags};

  public async run(): Promise<StatsResult> {
    const siit = await this.siit();
    const instance = await siit.findSiitInstance();
    const counters = await siit.readSiitStats();
    const {text, result} = statsOutput(
      'SIIT',
      counters,
      this.flags,
      {namespace: instance?.netns ?? '', enabled: instance?.enabled ?? false},
      this.jsonEnabled(),
    );
    if (text !== null) this.log(text);
    return result;
  }
}
