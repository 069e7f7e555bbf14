import {XlatCommand} from '../../../cli/base-command.js';
import {statsFlags, statsOutput, type StatsResult} from '../../../cli/stats.js';

export default class Nat64StatsDisplay extends XlatCommand<typeof Nat64StatsDisplay> {
  static override summary = "Show the NAT64 translator's counters.";

  static override description = `Each counter by name with its value summed over all CPUs, one per line as "NAME: VALUE". Every packet is counted once under what happened to it (xlat-*, pass-*, drop-*); bib-created, session-created, reclaimed and icmp-* count events. Zero counters are left out unless --all; --json has every counter ({"stats": {...}}). --explain adds what each counter counts; --format prometheus prints the Prometheus text exposition format (see also 'xlat metrics serve').`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all --explain',
    '<%= config.bin %> <%= command.id %> --format prometheus',
  ];

  static override flags = {...statsFlags};

  public async run(): Promise<StatsResult> {
    const nat64 = await this.nat64();
    const instance = await nat64.findNat64Instance();
    const counters = await nat64.readNat64Stats();
    const {text, result} = statsOutput(
      'NAT64',
      counters,
      this.flags,
      {namespace: instance?.netns ?? '', enabled: instance?.enabled ?? false},
      this.jsonEnabled(),
    );
    if (instance && instance.pool6 === null) {
      this.warning("pool6 is unset: this NAT64 translates nothing until 'xlat nat64 global update pool6 PREFIX'");
    }
    if (text !== null) this.log(text);
    return result;
  }
}
