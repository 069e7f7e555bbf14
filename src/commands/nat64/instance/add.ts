import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {attachedLine, instanceView, type InstanceView} from '../../../cli/render.js';
import {InputError} from '../../../errors.js';
import {validateIfnames} from '../../../model/names.js';
import {formatPool6, parsePool6, pool6ToBuffer} from '../../../model/pool6.js';

export default class Nat64InstanceAdd extends XlatCommand<typeof Nat64InstanceAdd> {
  static override summary = 'Create the stateful NAT64 instance of this namespace and attach it to interfaces.';

  static override description = `Loads the eBPF NAT64 (RFC 6146), stores its configuration in BPF maps and attaches it to the given interfaces (every non-loopback interface of the namespace when no --iface is given).

IPv6 packets to pool6 are translated to the IPv4 address embedded in them (RFC 6052), from a pool4 transport address; the replies come back through the BIB and session tables. Without --pool6 the instance is created but translates nothing until 'global update pool6 PREFIX' (Jool 3 scripts create instances that way). With no pool4 entry, the namespace's own IPv4 addresses serve as pool4 with ports (and ICMP identifiers) 61001-65535; traffic to them on other ports reaches the kernel untouched.

--hook auto (the default) chooses per interface: tc (clsact ingress) on veth and every other virtual device, because XDP there cannot see the skb's checksum and GSO state; on a physical device, native XDP when its driver supports it, else tc. An interface holds one XDP program: where another one (a SIIT instance's) already holds XDP, auto uses tc and --hook xdp fails. One NAT64 and one SIIT instance can share a namespace and its interfaces.

--capacity sets the size of each state table (BIB, sessions). When a table is full, new flows are refused and counted (drop-table-full) while live ones keep working; expired entries are reclaimed.`;

  static override examples = [
    {description: 'The scenario of the README:', command: '<%= config.bin %> <%= command.id %> --pool6 2001:db8:64::/96'},
    {
      description: 'Well-known prefix, one interface, room for a million sessions:',
      command: '<%= config.bin %> <%= command.id %> --pool6 64:ff9b::/96 --iface eth0 --capacity 1048576',
    },
  ];

  static override writes = true;

  static override flags = {
    pool6: Flags.string({
      summary: 'RFC 6052 prefix for IPv4 addresses (/32, /40, /48, /56, /64 or /96). Without it nothing is translated until one is set.',
      helpValue: 'PREFIX',
    }),
    iface: Flags.string({
      char: 'i',
      summary: 'Interface to attach to (repeatable). Default: every non-loopback interface.',
      helpValue: 'IFNAME',
      multiple: true,
    }),
    hook: Flags.string({
      summary: 'Where to attach: auto (tc on veth and virtual devices; native XDP, else tc, on physical ones), xdp, or tc.',
      options: ['auto', 'xdp', 'tc'] as const,
      default: 'auto',
    }),
    capacity: Flags.string({summary: 'Entries per state table (BIB, sessions): 1 to 16777216.', helpValue: 'N', default: '65536'}),
  };

  public async run(): Promise<{instance: InstanceView}> {
    const pool6 = this.flags.pool6 === undefined ? null : parsePool6(this.flags.pool6);
    const interfaces = this.flags.iface === undefined ? null : validateIfnames(this.flags.iface);
    const hook = this.flags.hook as 'auto' | 'xdp' | 'tc';
    if (!/^\d{1,8}$/.test(this.flags.capacity) || Number(this.flags.capacity) < 1 || Number(this.flags.capacity) > 16777216) {
      throw new InputError(`'${this.flags.capacity}' is not a valid capacity: expected an integer from 1 to 16777216`);
    }
    const nat64 = await this.nat64();
    this.note(`pool6: ${formatPool6(pool6) ?? '(unset)'}; hook: ${hook}; interfaces: ${interfaces?.join(', ') ?? '(all)'}; capacity: ${this.flags.capacity}`);
    const instance = instanceView(
      await nat64.addNat64Instance({
        pool6: pool6ToBuffer(pool6),
        interfaces,
        hook,
        capacity: Number(this.flags.capacity),
        verbose: this.verbose,
        onWarning: (m) => this.warning(m),
        onNote: (m) => this.note(m),
      }),
    );
    instance.name = await this.recordInstanceName('NAT64');
    for (const i of instance.interfaces) this.log(attachedLine(i));
    if (pool6 === null) this.warning("no pool6: this NAT64 translates nothing until 'xlat nat64 global update pool6 PREFIX'");
    const overlap = nat64.defaultPool4Overlap();
    if (overlap !== null) this.warning(overlap);
    return {instance};
  }
}
