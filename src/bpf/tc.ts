/** cls_bpf filters on the clsact ingress hook, over netlink (stay after exit). */
import {libbpf, type TcHook, type TcOpts} from '../ffi/libbpf.js';
import {SystemError} from '../errors.js';
import {check, describe} from './fail.js';

const BPF_TC_INGRESS = 1 << 0;
const BPF_TC_F_REPLACE = 1 << 0;

const ingress = (ifindex: number): TcHook => ({ifindex, attach_point: BPF_TC_INGRESS, parent: 0});
const ident = (handle: number, priority: number): TcOpts => ({prog_fd: 0, flags: 0, prog_id: 0, handle, priority});

/** Creates the clsact qdisc of ifindex (already there is fine). */
async function createIngressHook(ifindex: number, ifname = `ifindex ${ifindex}`): Promise<void> {
  const lib = await libbpf();
  const rc = lib.bpf_tc_hook_create(ingress(ifindex));
  if (rc === 0 || rc === -17 /* EEXIST */) return;
  throw new SystemError(`creating the clsact qdisc on ${ifname} failed: ${describe(lib, rc)}`, -rc);
}

/**
 * Attaches progFd as a direct-action filter on clsact ingress with a fixed
 * handle and priority; never replaces an existing filter (no BPF_TC_F_REPLACE).
 * Creates the clsact hook if needed. Returns the attached program id.
 */
export async function attach(ifindex: number, progFd: number, handle: number, priority: number, ifname = `ifindex ${ifindex}`): Promise<number> {
  const lib = await libbpf();
  await createIngressHook(ifindex, ifname);
  const opts: TcOpts = {prog_fd: progFd, flags: 0, prog_id: 0, handle, priority};
  const rc = lib.bpf_tc_attach(ingress(ifindex), opts);
  if (rc === -17) {
    throw new SystemError(`interface ${ifname} already has a tc ingress filter with handle 0x${handle.toString(16)} priority 0x${priority.toString(16)}`, 17);
  }
  if (rc < 0) throw new SystemError(`attaching tc ingress program to ${ifname} failed: ${describe(lib, rc)}`, -rc);
  return opts.prog_id;
}

/**
 * Replaces the program of the existing filter (handle, priority) with progFd in one step (BPF_TC_F_REPLACE: the
 * kernel swaps the filter's program, no packet goes without one). Returns the new program id.
 */
export async function replace(ifindex: number, progFd: number, handle: number, priority: number, ifname = `ifindex ${ifindex}`): Promise<number> {
  const lib = await libbpf();
  const opts: TcOpts = {prog_fd: progFd, flags: BPF_TC_F_REPLACE, prog_id: 0, handle, priority};
  const rc = lib.bpf_tc_attach(ingress(ifindex), opts);
  if (rc < 0) throw new SystemError(`replacing the tc ingress program of ${ifname} failed: ${describe(lib, rc)}`, -rc);
  return opts.prog_id;
}

/** Removes the filter; false when it was not there. The clsact qdisc is left in place. */
export async function detach(ifindex: number, handle: number, priority: number): Promise<boolean> {
  const lib = await libbpf();
  const rc = lib.bpf_tc_detach(ingress(ifindex), ident(handle, priority));
  if (rc === -2 /* ENOENT */ || rc === -22 /* EINVAL: no clsact qdisc */) return false;
  check(lib, rc, `detaching tc ingress filter from ifindex ${ifindex}`);
  return true;
}

/** The program id of the filter (handle, priority) on clsact ingress, or null. */
export async function query(ifindex: number, handle: number, priority: number): Promise<number | null> {
  const lib = await libbpf();
  const opts = ident(handle, priority);
  const rc = lib.bpf_tc_query(ingress(ifindex), opts);
  if (rc === -2 || rc === -22 || rc === -95 /* EOPNOTSUPP */) return null;
  check(lib, rc, `querying tc ingress on ifindex ${ifindex}`);
  return opts.prog_id || null;
}
