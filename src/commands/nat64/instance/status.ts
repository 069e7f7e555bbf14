import {XlatCommand} from '../../../cli/base-command.js';

export default class Nat64InstanceStatus extends XlatCommand<typeof Nat64InstanceStatus> {
  static override summary = 'Tell whether this namespace has a NAT64 instance.';

  static override description = `Prints "Running" and exits 0 when the namespace has a NAT64 instance, or "Dead" and exits 1 when it has none.`;

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  public async run(): Promise<{status: 'Running' | 'Dead'; enabled?: boolean}> {
    const nat64 = await this.nat64();
    const instance = await nat64.findNat64Instance();
    if (instance === null) {
      this.log('Dead');
      process.exitCode = 1;
      return {status: 'Dead'};
    }
    this.log('Running');
    return {status: 'Running', enabled: instance.enabled};
  }
}
