// Figures of one cluster run, from the probers' timelines (flows.py) and the paths the router chose.
// Pure functions: the lab script and the test print and check what they return.

/** Median and maximum of a list of numbers (null when empty). */
export function spread(values) {
  if (values.length === 0) return {n: 0, median: null, max: null};
  const s = [...values].sort((a, b) => a - b);
  return {n: s.length, median: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1]};
}

/** A flow silent this long around the failure was hit by it (its requests go one per 100 ms). */
export const STALL_MS = 400;

/** A flow (or connection) lives on when it is still answered, after the failure, in the last seconds of the run. */
export const END_WINDOW_MS = 3000;

/**
 * One prober's flows around the failure of node `dead` at `killMs` (ms since the prober started). nodeOfPeer: the
 * node a reply's "address#port" names (NAT64: the node owning that pool4 address), or null when replies do not
 * tell (SIIT); nodeOfPeerAfter, the same after the failure (an address of the failed node has a new owner). Per
 * flow: the node that answered it before and at the end; whether it was still answered at the end of the run; its first answer after the failure (for a flow of the dead node whose answers name the node,
 * the first answer from another node, since a node stopped by an operator may answer a little longer); the
 * silence before that answer; whether the failure hit it (silent for STALL_MS or more, or never answered again).
 */
export function analyseFlows(result, {killMs, dead, nodeOfPeer = () => null, nodeOfPeerAfter = nodeOfPeer}) {
  const endMs = result.duration * 1000;
  return result.flows.map((f) => {
    const node = ([t, peer]) => (t < killMs ? nodeOfPeer : nodeOfPeerAfter)(result.peers[peer]);
    const pre = f.replies.filter(([t]) => t < killMs);
    const lastPre = pre.at(-1);
    const nodeBefore = lastPre ? node(lastPre) : null;
    const i = f.replies.findIndex((r) => r[0] >= killMs && (nodeBefore !== dead || node(r) !== dead));
    const first = i >= 0 ? f.replies[i] : null;
    const gapMs = first && i > 0 ? first[0] - f.replies[i - 1][0] : null;
    const last = f.replies.at(-1);
    return {
      proto: f.proto,
      src: f.src,
      sport: f.sport,
      // the same IPv4 transport address (the server's view of the flow) at the end as before the failure
      samePeer: lastPre !== undefined && last !== undefined && last[0] >= killMs && last[1] === lastPre[1],
      nodeBefore,
      nodeAfter: last && last[0] >= killMs ? node(last) : null,
      answeredBefore: pre.length > 0,
      answeredAtEnd: last !== undefined && last[0] >= killMs && last[0] >= endMs - END_WINDOW_MS,
      recoveryMs: first ? first[0] - killMs : null,
      gapMs,
      hit: lastPre !== undefined && (gapMs === null || gapMs >= STALL_MS),
      error: f.error,
    };
  });
}

/** Number of flows per node (1..nodes) by the node that answered them before the failure. */
export function perNode(flows, nodes) {
  const counts = Array.from({length: nodes}, () => 0);
  for (const f of flows) if (f.nodeBefore >= 1 && f.nodeBefore <= nodes) counts[f.nodeBefore - 1]++;
  return counts;
}

const count = (flows, proto, pred = () => true) => flows.filter((f) => f.proto === proto && pred(f)).length;

/**
 * Summary of one translator kind's flows around the failure of node `dead`. The dead node's flows are those it
 * answered before (NAT64: the server saw its pool4 address) or, when answers do not name the node (SIIT), those
 * the failure hit. Others are the live nodes' flows; `moved` counts those answered by another node afterwards.
 */
export function summarise(flows, {nodes, dead}) {
  const named = flows.some((f) => f.nodeBefore !== null);
  const isDead = (f) => (named ? f.nodeBefore === dead : f.hit);
  const onDead = flows.filter(isDead);
  const others = flows.filter((f) => f.answeredBefore && !isDead(f));
  const udpDead = onDead.filter((f) => f.proto === 'udp');
  return {
    spread: named
      ? {
          udp: perNode(
            flows.filter((f) => f.proto === 'udp'),
            nodes,
          ),
          tcp: perNode(
            flows.filter((f) => f.proto === 'tcp'),
            nodes,
          ),
        }
      : null,
    dead: {
      udp: udpDead.length,
      udpRecovered: count(onDead, 'udp', (f) => f.answeredAtEnd),
      recovery: spread(udpDead.filter((f) => f.recoveryMs !== null).map((f) => f.recoveryMs)),
      gap: spread(udpDead.filter((f) => f.gapMs !== null).map((f) => f.gapMs)),
      udpSamePeer: count(onDead, 'udp', (f) => f.answeredAtEnd && f.samePeer),
      tcp: count(onDead, 'tcp'),
      tcpSurvived: count(onDead, 'tcp', (f) => f.answeredAtEnd),
      tcpSamePeer: count(onDead, 'tcp', (f) => f.answeredAtEnd && f.samePeer),
      tcpGap: spread(onDead.filter((f) => f.proto === 'tcp' && f.gapMs !== null).map((f) => f.gapMs)),
    },
    others: {
      udp: count(others, 'udp'),
      udpAnswered: count(others, 'udp', (f) => f.answeredAtEnd),
      tcp: count(others, 'tcp'),
      tcpSurvived: count(others, 'tcp', (f) => f.answeredAtEnd),
      hit: others.filter((f) => f.hit).length,
      moved: named ? others.filter((f) => f.nodeAfter !== null && f.nodeAfter !== f.nodeBefore).length : null,
    },
    tcp: {total: count(flows, 'tcp'), survived: count(flows, 'tcp', (f) => f.answeredAtEnd)},
    notAnsweredBefore: flows.filter((f) => !f.answeredBefore).length,
  };
}

/** Lines for people: one summary as the lab and the test print it. */
export function describe(name, s, {dead}) {
  const sec = (x) => (x === null ? '-' : `${(x / 1000).toFixed(2)} s`);
  const lines = [];
  if (s.spread)
    lines.push(`${name}: flows per node before the failure (the node the server saw): UDP ${s.spread.udp.join('/')}, TCP ${s.spread.tcp.join('/')}`);
  const whose = s.spread ? `node ${dead}'s` : "the failed node's (those it silenced)";
  lines.push(
    `${name}: ${whose} ${s.dead.udp} UDP flows: ${s.dead.udpRecovered} answered again` +
      (s.spread ? ` (${s.dead.udpSamePeer} from the same IPv4 address and port)` : '') +
      `, first answer ${sec(s.dead.recovery.median)} ` +
      `after the failure (median; max ${sec(s.dead.recovery.max)}), silence median ${sec(s.dead.gap.median)}, max ${sec(s.dead.gap.max)}`,
    `${name}: ${whose} ${s.dead.tcp} TCP connections: ${s.dead.tcpSurvived} lived on` +
      (s.spread ? ` (${s.dead.tcpSamePeer} with the same IPv4 address and port)` : '') +
      (s.dead.tcpSurvived ? ` (silence median ${sec(s.dead.tcpGap.median)}, max ${sec(s.dead.tcpGap.max)})` : ''),
    `${name}: the live nodes' flows: UDP ${s.others.udpAnswered}/${s.others.udp} answered, TCP ${s.others.tcpSurvived}/${s.others.tcp} lived on, ` +
      `${s.others.hit} hit by the failure` +
      (s.others.moved === null ? '' : `, ${s.others.moved} moved to another node`),
  );
  return lines;
}
