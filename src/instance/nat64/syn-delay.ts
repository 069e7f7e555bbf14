/**
 * NAT64's delay line for held IPv4 SYNs (bpf/nat64/syn_delay.h): RFC 6146
 * 3.5.2.2 answers an IPv4 SYN without a BIB entry with ICMP port unreachable
 * when no IPv6 SYN came within 6 s, and BPF cannot wait. The kernel can: a
 * veth pair in the namespace, xlat-syn0 -> xlat-syn1, whose egress queue is a
 * netem qdisc delaying every packet by 6 s. The data plane sends each held SYN
 * into it and looks at it again when it comes out at xlat-syn1, where the
 * instance's tc program is attached. Nothing runs between CLI calls; the
 * pair lives and dies with the namespace, and `instance remove` deletes it.
 *
 * Best effort: without sch_netem (or iproute2's tc) the instance works as
 * before, the sender's next retransmission being answered; `instance add`
 * says so with --verbose when the kernel lacks sch_netem (usual: a module
 * some kernels do not ship), and in a warning when anything else failed.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import type {BpfMap} from '../../bpf/map.js';
import * as tc from '../../bpf/tc.js';
import {faultPoint} from '../../sys/fault.js';
import {INTERNAL_IFACE_PREFIX, forgetInterfaces, listInterfaces} from '../../sys/interfaces.js';
import type {ProgramSpec} from '../attach.js';

export const SYN_DELAY_MAP = 'nat64_syn_delay';
const OUT = `${INTERNAL_IFACE_PREFIX}0`;
const BACK = `${INTERNAL_IFACE_PREFIX}1`;
/** RFC 6146 3.5.2.2's 6 seconds, and as many queued SYNs as nat64_syn4 holds records. */
const NETEM = ['delay', '6s', 'limit', '16384'];

function run(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, {encoding: 'utf8'});
  if (r.error) return `${cmd}: ${r.error.message}`;
  return r.status === 0 ? null : `'${cmd} ${args.join(' ')}': ${(r.stderr || '').trim() || `exit ${r.status}`}`;
}

/** The delay line's ifindexes, if the namespace has one. */
function synDelayLinks(): {out: number; back: number} | null {
  const all = listInterfaces(true);
  const out = all.find((i) => i.name === OUT);
  const back = all.find((i) => i.name === BACK);
  return out && back ? {out: out.index, back: back.index} : null;
}

/** Deletes the pair (the other end goes with it); fine when there is none. */
export function removeSynDelay(): void {
  if (listInterfaces(true).some((i) => i.name === OUT)) {
    faultPoint('delete the held-SYN delay line');
    run('ip', ['link', 'del', OUT]);
  }
  forgetInterfaces();
}

/** Why a namespace has no delay line: lacksNetem when the kernel has no sch_netem (tc's own words). */
export interface NoSynDelay {
  why: string;
  lacksNetem: boolean;
}

/** The reason, said the same way whatever failed. */
export const noSynDelay = (why: string, lacksNetem = false): NoSynDelay => ({
  why: `no 6 s timer for held IPv4 SYNs (${why}): they are answered with ICMP port unreachable at the sender's next retransmission instead`,
  lacksNetem,
});

/**
 * Makes the delay line, attaches the tc program `tcProgFd` where it ends and
 * tells the data plane (map `nat64_syn_delay`). Returns null, or why there is
 * none (held SYNs are then answered at the next retransmission).
 */
export async function setupSynDelay(spec: ProgramSpec, tcProgFd: number, map: BpfMap): Promise<NoSynDelay | null> {
  removeSynDelay();
  faultPoint('create the held-SYN delay line');
  const pair =
    run('ip', ['link', 'add', OUT, 'type', 'veth', 'peer', 'name', BACK]) ?? run('ip', ['link', 'set', OUT, 'up']) ?? run('ip', ['link', 'set', BACK, 'up']);
  const netem = pair ?? run('tc', ['qdisc', 'replace', 'dev', OUT, 'root', 'netem', ...NETEM]);
  forgetInterfaces();
  const links = synDelayLinks();
  if (pair !== null || netem !== null || links === null) {
    removeSynDelay();
    return noSynDelay(pair ?? netem ?? 'the veth pair did not appear', pair === null && /qdisc kind is unknown/.test(netem ?? ''));
  }
  // Nothing but held SYNs is to cross it: no IPv6 (neighbour discovery, router solicitations) on the pair.
  for (const n of [OUT, BACK]) {
    try {
      fs.writeFileSync(`/proc/sys/net/ipv6/conf/${n}/disable_ipv6`, '1\n');
    } catch {
      // a kernel without IPv6: nothing to quiet
    }
  }
  faultPoint('attach tc to the held-SYN delay line');
  await tc.attach(links.back, tcProgFd, spec.tcHandle, spec.tcPrio, BACK);
  const v = Buffer.alloc(8);
  v.writeUInt32LE(links.out, 0);
  v.writeUInt32LE(links.back, 4);
  map.update(Buffer.alloc(4), v);
  return null;
}

/** The delay line's end as an attachment to swap at an upgrade (its tc program), or null. */
export async function synDelayAttachment(spec: ProgramSpec): Promise<{name: string; ifindex: number; progId: number} | null> {
  const links = synDelayLinks();
  if (!links) return null;
  const progId = await tc.query(links.back, spec.tcHandle, spec.tcPrio);
  return progId === null ? null : {name: BACK, ifindex: links.back, progId};
}
