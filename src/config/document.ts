/**
 * The running configuration as a file (`file export`): Jool's keys and forms
 * (timeouts as H:MM:SS, EAMT entries with "ipv6 prefix"), plus xlat's
 * instance options, so that applying it again changes nothing. Pure logic.
 */
import {formatPrefix4} from '../model/ipv4.js';
import {formatDuration, NAT64_TIMEOUT_KEYS} from '../model/nat64-globals.js';
import {formatItemPrefix} from '../model/pool4-set.js';
import {pool4SetKey} from '../model/nat64-pool4.js';
import {eamView} from '../model/siit-eamt.js';
import {detFileEntry} from '../model/rfc7422.js';
import {bibEntryView, type Nat64Current, type SiitCurrent} from './plan.js';

export type ConfigDocument = Record<string, unknown>;

const SCHEMA_REF = 'https://github.com/xlat/xlat/schema/config.schema.json';

export function siitDocument(c: SiitCurrent): ConfigDocument {
  const doc: ConfigDocument = {$schema: SCHEMA_REF};
  if (c.name !== null) doc.instance = c.name;
  doc.global = {...c.global};
  doc.eamt = c.eamt.map((e) => {
    const v = eamView(e);
    return {'ipv6 prefix': v['ipv6-prefix'], 'ipv4 prefix': v['ipv4-prefix']};
  });
  doc.denylist4 = c.denylist4.map(formatPrefix4);
  doc.interfaces = [...c.interfaces];
  doc.hook = 'auto';
  return doc;
}

export function nat64Document(c: Nat64Current): ConfigDocument {
  const doc: ConfigDocument = {$schema: SCHEMA_REF};
  if (c.name !== null) doc.instance = c.name;
  const global: Record<string, unknown> = {...c.global};
  for (const k of NAT64_TIMEOUT_KEYS) global[k] = formatDuration(c.global[k]);
  doc.global = global;
  doc.pool4 = c.pool4.map((i) => {
    const iter = c.iterations[pool4SetKey(i.proto, i.mark)] ?? 'auto';
    return {
      ...(i.mark ? {mark: i.mark} : {}),
      protocol: i.proto.toUpperCase(),
      prefix: formatItemPrefix(i),
      'port range': `${i.ports[0]}-${i.ports[1]}`,
      ...(iter !== 'auto' ? {'max-iterations': iter} : {}),
    };
  });
  if (c.deterministic.length) doc['pool4 deterministic'] = c.deterministic.map(detFileEntry);
  doc.bib = c.bib.map(bibEntryView);
  doc.interfaces = [...c.interfaces];
  doc.hook = 'auto';
  doc.capacity = c.capacity;
  return doc;
}
