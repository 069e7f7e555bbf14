// What a translator's program did with a packet, read from BPF_PROG_TEST_RUN's results (bpf/lib/xdp_meta.h):
// tc: translated ends the filter chain (TC_ACT_OK), passed goes on to the next filter (TC_ACT_UNSPEC), drop is
// TC_ACT_SHOT, an originated error sent back is TC_ACT_REDIRECT; XDP: the metadata value it leaves for tc.
export const XDP = {DROP: 1, PASS: 2};
export const TC = {OK: 0, SHOT: 2, REDIRECT: 7, UNSPEC: 0xffffffff};
export const META = {XLATED: 0x786c6174, PASSED_SIIT: 0x786c7073, PASSED_NAT64: 0x786c706e};

/** 'xlat' | 'pass' | 'drop' | 'sent' for a tc program's return value (test runs report it unsigned). */
export function tcVerdict(retval) {
  const v = retval >>> 0;
  if (v === TC.OK) return 'xlat';
  if (v === TC.UNSPEC) return 'pass';
  if (v === TC.SHOT) return 'drop';
  if (v === TC.REDIRECT) return 'sent';
  throw new Error(`unexpected tc verdict ${retval}`);
}

/** The XDP program's mark for tc ('xlat', 'pass-siit', 'pass-nat64') and the frame after it, or null: not decided. */
export function xdpMark(data) {
  if (data.length < 4) return null;
  const v = data.readUInt32LE(0);
  const mark = v === META.XLATED ? 'xlat' : v === META.PASSED_SIIT ? 'pass-siit' : v === META.PASSED_NAT64 ? 'pass-nat64' : null;
  return mark === null ? null : {mark, data: data.subarray(4)};
}
