import {type StatusResult, XlatCommand} from '../../../cli/base-command.js';

export default class Nat64InstanceStatus extends XlatCommand<typeof Nat64InstanceStatus> {
  static override summary = 'Tell whether this namespace has a NAT64 instance, and whether it translates.';

  static override description = `Prints "Running" (exit 0), "Paused" when manually-enabled is false (exit 0: the instance exists but packets pass untranslated), or "Dead" when the namespace has no NAT64 instance (exit 3). Without root it fails with exit 5, so a script can tell "no instance" from "cannot look".`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Use it in a script:', command: '<%= config.bin %> <%= command.id %> >/dev/null && echo up'},
    '<%= config.bin %> <%= command.id %> --json',
  ];

  public async run(): Promise<StatusResult> {
    const nat64 = await this.nat64();
    return this.reportStatus(await nat64.findNat64Instance());
  }
}
