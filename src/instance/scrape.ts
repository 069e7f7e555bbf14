/**
 * One scrape of every translator instance this node has: the current
 * namespace and every named one (/run/netns), their counters read from the
 * kernel at the moment of the scrape (nothing is kept between scrapes).
 */
import type {InstanceCounters} from '../model/prometheus.js';
import {forEachNamespace} from './all-namespaces.js';

export async function scrapeAll(): Promise<InstanceCounters[]> {
  const found = await forEachNamespace(async () => {
    const out: InstanceCounters[] = [];
    const siit = await import('./siit/instance.js');
    const s = await siit.findSiitInstance();
    if (s) out.push({translator: 'SIIT', namespace: s.netns, enabled: s.enabled, counters: await siit.readSiitStats()});
    const nat64 = await import('./nat64/instance.js');
    const n = await nat64.findNat64Instance();
    if (n) out.push({translator: 'NAT64', namespace: n.netns, enabled: n.enabled, counters: await nat64.readNat64Stats()});
    return out;
  }, true);
  return found.flatMap((f) => f.value);
}
