/** XDP attach/detach/query over netlink (no bpf_link: stays attached after exit). */
import {libbpf} from '../ffi/libbpf.js';
import {SystemError} from '../errors.js';
import {check, describe} from './fail.js';

const XDP_FLAGS_UPDATE_IF_NOEXIST = 1 << 0;
const XDP_FLAGS_SKB_MODE = 1 << 1;
const XDP_FLAGS_DRV_MODE = 1 << 2;

const XDP_ATTACHED_DRV = 1;
const XDP_ATTACHED_SKB = 2;
const XDP_ATTACHED_HW = 3;
const XDP_ATTACHED_MULTI = 4;

export type XdpMode = 'native' | 'generic';

const modeFlag = (mode: XdpMode): number => (mode === 'native' ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);

/**
 * Attaches progFd in the given mode; never replaces another program
 * (XDP_FLAGS_UPDATE_IF_NOEXIST). ifname is only used in messages.
 */
export async function attach(ifindex: number, progFd: number, mode: XdpMode, ifname = `ifindex ${ifindex}`): Promise<void> {
  const lib = await libbpf();
  const rc = lib.bpf_xdp_attach(ifindex, progFd, XDP_FLAGS_UPDATE_IF_NOEXIST | modeFlag(mode));
  if (rc === 0) return;
  const errno = -rc;
  if (errno === 16 /* EBUSY */ || errno === 17 /* EEXIST */) {
    throw new SystemError(`interface ${ifname} already has an XDP program`, errno);
  }
  throw new SystemError(`attaching XDP (${mode}) to ${ifname} failed: ${describe(lib, rc)}`, errno);
}

/**
 * Replaces the attached program oldProgFd with progFd in one step (XDP_FLAGS_REPLACE): no packet goes without a
 * program. Fails, changing nothing, when oldProgFd is not the attached one.
 */
export async function replace(ifindex: number, progFd: number, mode: XdpMode, oldProgFd: number, ifname = `ifindex ${ifindex}`): Promise<void> {
  const lib = await libbpf();
  const rc = lib.bpf_xdp_attach(ifindex, progFd, modeFlag(mode), oldProgFd);
  if (rc < 0) throw new SystemError(`replacing the XDP (${mode}) program of ${ifname} failed: ${describe(lib, rc)}`, -rc);
}

/**
 * Detaches the XDP program of the given mode. With expectedProgId, only if that
 * program is the one attached (atomically, XDP_FLAGS_REPLACE); returns false
 * when it is not (or nothing is attached).
 */
export async function detach(ifindex: number, mode: XdpMode, expectedProgId?: number): Promise<boolean> {
  const lib = await libbpf();
  if (expectedProgId === undefined) {
    check(lib, lib.bpf_xdp_detach(ifindex, modeFlag(mode), 0), `detaching XDP from ifindex ${ifindex}`);
    return true;
  }
  const fd = lib.bpf_prog_get_fd_by_id(expectedProgId);
  if (fd < 0) return false; // that program no longer exists, so it is not attached
  try {
    const rc = lib.bpf_xdp_detach(ifindex, modeFlag(mode), fd);
    if (rc === -17 /* EEXIST: another program is attached */ || rc === -2) return false;
    check(lib, rc, `detaching XDP from ifindex ${ifindex}`);
    return true;
  } finally {
    lib.close(fd);
  }
}

export interface XdpQuery {
  mode: 'native' | 'generic' | 'offload' | null;
  progId: number;
}

/** The XDP program attached to ifindex (progId 0 and mode null when none). */
export async function query(ifindex: number): Promise<XdpQuery> {
  const lib = await libbpf();
  const {err, result} = lib.bpf_xdp_query(ifindex, 0);
  check(lib, err, `querying XDP on ifindex ${ifindex}`);
  switch (result.attach_mode) {
    case XDP_ATTACHED_DRV:
      return {mode: 'native', progId: result.drv_prog_id || result.prog_id};
    case XDP_ATTACHED_SKB:
      return {mode: 'generic', progId: result.skb_prog_id || result.prog_id};
    case XDP_ATTACHED_HW:
      return {mode: 'offload', progId: result.hw_prog_id || result.prog_id};
    case XDP_ATTACHED_MULTI:
      if (result.drv_prog_id) return {mode: 'native', progId: result.drv_prog_id};
      if (result.skb_prog_id) return {mode: 'generic', progId: result.skb_prog_id};
      return {mode: 'offload', progId: result.hw_prog_id};
    default:
      return {mode: null, progId: 0};
  }
}
