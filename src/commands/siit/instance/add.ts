import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {attachedLine, instanceView, type InstanceView} from '../../../cli/render.js';
import {validateIfnames} from '../../../model/names.js';
import {formatPool6, parsePool6, pool6ToBuffer} from '../../../model/pool6.js';

export default class SiitInstanceAdd extends XlatCommand<typeof SiitInstanceAdd> {
  static override summary = 'Create the SIIT instance of this namespace and attach it to interfaces.';

  static override description = `Loads the eBPF translator, stores its configuration in BPF maps and attaches it to the given interfaces (every non-loopback interface of the namespace when no --iface is given).

--hook auto (the default) chooses per interface: tc (clsact ingress) on veth and every other virtual device (bridge, vlan, tun, ...), because XDP there cannot see the skb's checksum and GSO state; on a physical device, native XDP when its driver supports it, else tc. The hook, its mode and the reason are printed per interface, as 'instance display' shows them. --hook xdp, xdp-generic or tc forces one hook and fails if it cannot attach.

pool6 is the RFC 6052 prefix IPv4 addresses are embedded in. Its length must be 32, 40, 48, 56, 64 or 96, its host bits zero and bits 64-71 (the u-octet) zero. Without --pool6 the instance starts with no pool6 (set one later with 'xlat siit global update pool6').

There is at most one SIIT instance per network namespace (exit 4 when there is one already).`;

  static override examples = [
    {description: 'Translate with the well-known prefix on every interface:', command: '<%= config.bin %> <%= command.id %> --pool6 64:ff9b::/96'},
    {
      description: 'Attach to two interfaces only, forcing the tc hook:',
      command: '<%= config.bin %> <%= command.id %> --pool6 2001:db8:100::/40 --iface eth0 --iface eth1 --hook tc',
    },
    {description: 'Create the instance inside the namespace "red":', command: '<%= config.bin %> -n red <%= command.id %> --pool6 64:ff9b::/96'},
  ];

  static override writes = true;

  static override flags = {
    pool6: Flags.string({summary: 'RFC 6052 prefix for embedding IPv4 addresses (/32, /40, /48, /56, /64 or /96).', helpValue: 'PREFIX'}),
    iface: Flags.string({
      char: 'i',
      summary: 'Interface to attach to (repeatable). Default: every non-loopback interface.',
      helpValue: 'IFNAME',
      multiple: true,
    }),
    hook: Flags.string({
      summary: 'Where to attach: auto (tc on veth and virtual devices; native XDP, else tc, on physical ones), xdp (native, else generic), xdp-generic, or tc.',
      options: ['auto', 'xdp', 'xdp-generic', 'tc'] as const,
      default: 'auto',
    }),
  };

  public async run(): Promise<{instance: InstanceView}> {
    // Validate everything before asking for root.
    const pool6 = this.flags.pool6 === undefined ? null : parsePool6(this.flags.pool6);
    const interfaces = this.flags.iface === undefined ? null : validateIfnames(this.flags.iface);
    const hook = this.flags.hook as 'auto' | 'xdp' | 'xdp-generic' | 'tc';

    const siit = await this.siit();
    this.note(`pool6: ${formatPool6(pool6) ?? '(unset)'}; hook: ${hook}; interfaces: ${interfaces?.join(', ') ?? '(all)'}`);
    const instance = instanceView(await siit.addSiitInstance({pool6: pool6ToBuffer(pool6), interfaces, hook, verbose: this.verbose}));
    instance.name = await this.recordInstanceName('SIIT');
    for (const i of instance.interfaces) this.log(attachedLine(i));
    if (pool6 === null) this.warning("no pool6: only EAMT entries translate until 'xlat siit global update pool6 PREFIX'");
    return {instance};
  }
}
