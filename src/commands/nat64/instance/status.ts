import {type StatusResult, XlatCommand} from '../../../cli/base-command.js';

export default class Nat64InstanceStatus extends XlatCommand<typeof Nat64InstanceStatus> {
  static override summary = 'Tell whether this namespace has a NAT64 instance.';

  static override description = `Prints "Running" and exits 0 when the namespace has a NAT64 instance, or "Dead" and exits 1 when it has none.`;

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  public async run(): Promise<StatusResult> {
    const nat64 = await this.nat64();
    return this.reportStatus(await nat64.findNat64Instance());
  }
}
