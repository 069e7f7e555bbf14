/**
 * One sentence per counter of `stats display`, for --explain, the README and
 * the HELP lines of the Prometheus exposition. Every packet is counted once,
 * under what happened to it; the counters marked "event" count something else
 * (besides the packet's own reason).
 */

const COMMON: Record<string, string> = {
  'xdp-redirect': 'Event: translated packets the XDP fast path forwarded by itself.',
  'xlat-6to4': 'IPv6 packets translated to IPv4.',
  'xlat-4to6': 'IPv4 packets translated to IPv6.',
  'xlat-icmp-error-6to4': 'ICMPv6 errors translated to ICMPv4, the packet they carry included.',
  'xlat-icmp-error-4to6': 'ICMPv4 errors translated to ICMPv6, the packet they carry included.',
  'pass-not-ip': 'Frames that are neither IPv4 nor IPv6 (ARP, ...), or whose IP version is not the one their Ethernet type says, left to the kernel.',
  'pass-disabled': 'Packets left untranslated because the global manually-enabled is false.',
  'pass-ndp': 'Neighbour and router discovery and redirects, left to the kernel.',
  'drop-icmp-type': 'ICMP messages of a type RFC 7915 does not translate, dropped.',
  'drop-icmp-fragment': 'Fragmented ICMP messages, dropped (RFC 7915 does not translate them).',
  'drop-truncated': 'Packets shorter than their headers say, dropped.',
  'drop-udp-zero-csum': 'IPv4 UDP datagrams without a checksum that could not get one (a fragment, or amend-udp-checksum-zero off), dropped.',
  'drop-resize-failed': 'Packets the kernel refused to grow or shrink for their new header, dropped.',
  'drop-write-failed': 'Packets the kernel refused to rewrite, dropped.',
  'drop-too-big': 'Packets too big for the next link with DF set (or IPv6), dropped; the sender got Fragmentation Needed or Packet Too Big.',
  'icmp-sent': 'Event: ICMP errors the translator originated.',
  'icmp-rate-limited': 'Event: ICMP errors the rate limit (100/s per CPU, burst 50) held back.',
  'icmp-no-source': 'Event: ICMP errors not sent because the interface had no address to send them from.',
  'drop-hop-limit':
    'Packets whose TTL or hop limit would run out here, dropped; the sender got Time Exceeded from the translator as from a router (none for ICMP errors and later fragments).',
};

const SIIT: Record<string, string> = {
  ...COMMON,
  'xlat-hairpin': 'IPv6 packets sent back to IPv6 through the EAMT (hairpinning, RFC 7757 section 4.2).',
  'pass-dst6-untranslatable': 'IPv6 packets whose destination is neither in pool6 nor in the EAMT, left to the kernel.',
  'pass-src6-untranslatable': 'IPv6 packets whose source is neither in pool6 nor in the EAMT, left to the kernel.',
  'pass-dst4-untranslatable': 'IPv4 packets whose destination has no EAMT entry and no pool6 mapping (pool6 unset, or denylist4), left to the kernel.',
  'pass-src4-untranslatable': 'IPv4 packets whose source has no EAMT entry and no pool6 mapping (pool6 unset, or denylist4), left to the kernel.',
  'pass-dst4-local': 'IPv4 packets addressed to this node itself, left to the kernel.',
  'pass-dst4-special': 'IPv4 packets to 0/8, 127/8, 169.254/16, multicast or broadcast, never translated.',
  'pass-src4-special': 'IPv4 packets from 0/8, 127/8, 169.254/16, multicast or broadcast, never translated.',
  'drop-icmp-error-inner': 'ICMP errors whose inner packet cannot be translated, dropped.',
  'drop-routing-header': 'IPv6 packets with a routing header that still has segments left, dropped.',
  'drop-header-chain': 'IPv6 packets with extension headers after the fragment header, or too long a chain, dropped.',
};

const NAT64: Record<string, string> = {
  ...COMMON,
  'xlat-hairpin': 'IPv6 packets to pool6 + a pool4 address of this NAT64, sent back to IPv6 (hairpinning, RFC 6146 section 3.8).',
  'pass-dst6-not-pool6': 'IPv6 packets whose destination is not in pool6 (or pool6 is unset), left to the kernel.',
  'pass-dst4-not-pool4': 'IPv4 packets whose destination is not a pool4 transport address, left to the kernel.',
  'pass-icmp-type': 'ICMP messages the NAT64 leaves to the kernel (not echo, not an error it translates).',
  'pass-proto': 'Packets of a protocol other than TCP, UDP and ICMP, left to the kernel.',
  'pass-fragment': 'Fragments the data plane leaves to the kernel.',
  'pass-ext-header': 'IPv6 packets with extension headers the NAT64 does not walk, left to the kernel.',
  'pass-ipv4-options': 'IPv4 packets with options, left to the kernel.',
  'pass-icmp-no-bib': 'ICMP packets to a pool4 address with no BIB entry, left to the kernel (they may be for this node).',
  'drop-no-bib': 'IPv4 packets to a pool4 transport address with no BIB entry, dropped.',
  'drop-tcp-no-session': 'TCP segments other than a SYN with no session, dropped.',
  'drop-externally-initiated-tcp': 'IPv4 SYNs without a BIB entry, dropped because drop-externally-initiated-tcp is true.',
  'drop-address-dependent-filtering': 'IPv4 packets from a remote that has no session with the mapping, dropped because address-dependent-filtering is true.',
  'drop-icmpv6-info': 'ICMPv6 informational messages other than echo, dropped because drop-icmpv6-info is true.',
  'drop-no-pool4': 'IPv6 packets that needed a new mapping while pool4 had no entry for their protocol (and mark), dropped.',
  'drop-pool4-exhausted': 'IPv6 packets that needed a new mapping while every pool4 port was taken, dropped.',
  'drop-table-full': 'Packets that needed a new BIB entry or session while the table was full, dropped (live flows are never evicted).',
  'drop-src4-special': 'IPv4 packets from 0/8, 127/8, 169.254/16, multicast or broadcast, dropped.',
  'tcp-syn-held':
    'IPv4 SYNs without a BIB entry, recorded and dropped while an IPv6 SYN may still open the connection (simultaneous open, RFC 6146 section 3.5.2.2).',
  'drop-max-simultaneous-opens': 'IPv4 SYNs dropped because maximum-simultaneous-opens held SYNs were already waiting.',
  'drop-icmp-error-inner': 'ICMP errors whose inner packet cannot be translated (not a flow of this NAT64, or malformed), dropped.',
  'drop-icmp-error-no-session': 'ICMP errors about a flow without a session, dropped.',
  'bib-created': 'Event: BIB entries (mappings) created.',
  'session-created': 'Event: sessions created.',
  reclaimed: 'Event: expired BIB entries or sessions whose room was taken back for new ones.',
  'xlat-fragment-6to4': 'Later IPv6 fragments translated like their first fragment was.',
  'xlat-fragment-4to6': 'Later IPv4 fragments translated like their first fragment was.',
  'drop-fragment-before-first': 'Later fragments whose first fragment had not been seen, dropped.',
  'drop-fragment-table-full': 'First fragments that found no room to record their translation, dropped.',
  'tcp-syn-unreachable': 'Held IPv4 SYNs answered with ICMP port unreachable after 6 seconds without an IPv6 SYN.',
  'drop-src6-pool6': 'IPv6 packets whose source is inside pool6 (a translation coming back, a routing loop), dropped.',
  'pass-udp-no-bib': 'IPv4 UDP to a pool4 transport address without a mapping, left to the kernel (which answers port unreachable unless a socket listens).',
  'reasm-held':
    'Fragments of an ICMP echo message kept until the message is whole (RFC 6146 section 3.4 reassembles; RFC 7915 cannot translate fragmented ICMP).',
  'drop-reasm-too-big': 'Fragmented ICMP echo messages larger than the reassembly bound (15,872 bytes), dropped.',
  'drop-reasm-table-full': 'Fragments of ICMP echo messages that found no room (64 messages at once), dropped.',
  'drop-reasm-overlap': 'Fragments of ICMP echo messages that overlap or exceed 32 pieces, dropped with their message.',
  'reasm-expired': 'Event: incomplete ICMP echo messages given up after 2 seconds.',
  'session-expired': 'Event: sessions removed by the sweeper after their lifetime.',
  'bib-expired': 'Event: dynamic BIB entries removed with their last session.',
  'drop-block-full':
    "IPv6 packets of a deterministic (RFC 7422) subscriber that needed a new mapping while every port of its block was taken, dropped (other subscribers' blocks are never used).",
  'drop-no-free-block': 'IPv6 packets of a new subscriber of a dynamic block entry that needed a block while every block was taken, dropped.',
  'block-allocated': 'Event: dynamic port blocks given to a subscriber at its first flow (each also an event in the ring buffer read by log follow).',
  'block-released': "Event: dynamic port blocks taken back when their subscriber's last BIB entry went (each also an event in the ring buffer).",
  'event-lost': 'Event: block allocations or releases the ring buffer had no room for (nobody ran log follow while it filled): lost to the log.',
  steered: 'IPv6 packets of a deterministic subscriber sent on untranslated to the node that owns its pool4 address (cluster-steering).',
  'drop-steer-no-neigh': 'IPv6 packets that belonged to another node (cluster-steering) whose link-layer address the kernel did not know yet, dropped.',
};

export type CounterSet = 'SIIT' | 'NAT64';

/** One sentence on a counter, or null for a counter this xlat does not know (a newer data plane's). */
export function explainCounter(set: CounterSet, name: string): string | null {
  return (set === 'SIIT' ? SIIT : NAT64)[name] ?? null;
}
