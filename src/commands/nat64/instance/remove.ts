import {XlatCommand} from '../../../cli/base-command.js';

export default class Nat64InstanceRemove extends XlatCommand<typeof Nat64InstanceRemove> {
  static override summary = 'Detach and delete the NAT64 instance of this namespace.';

  static override description = `Detaches the NAT64 from every interface; the kernel then frees its programs and maps, with every BIB entry, session and counter. Fails if the namespace has no NAT64 instance.`;

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  public async run(): Promise<{removed: true}> {
    const nat64 = await this.nat64();
    await nat64.removeNat64Instance();
    return {removed: true};
  }
}
