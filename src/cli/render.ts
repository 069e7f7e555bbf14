/**
 * The JSON view (kebab-case keys, schema/output.schema.json) and the text
 * table of an instance, for both translators.
 */
import type {AttachedInterface} from '../instance/attach.js';

/** What the instance layers return (SiitInstance, Nat64Instance), as far as views need it. */
export interface InstanceLike {
  netns: string;
  type: 'SIIT' | 'NAT64';
  interfaces: AttachedInterface[];
  /** Map layout version of the attached programs (bpf/abi enum xlat_*_layout). */
  layout: number;
  pool6: string | null;
  enabled: boolean;
  /** NAT64 only: entries per state table. */
  capacity?: number;
  /** The Jool-style instance name recorded with it, if any. */
  name?: string | null;
}

export interface InterfaceView {
  name: string;
  ifindex: number;
  hook: 'xdp' | 'tc';
  mode: 'native' | 'generic' | 'clsact-ingress';
  reason: string;
}

export interface InstanceView {
  namespace: string;
  type: 'SIIT' | 'NAT64';
  name: string | null;
  /** Paused: manually-enabled is false (packets pass untranslated). */
  status: 'Running' | 'Paused';
  pool6: string | null;
  /** NAT64: entries per state table; null for SIIT. */
  capacity: number | null;
  /** Map layout version of the attached programs ('xlat --version' prints this xlat's). */
  layout: number;
  interfaces: InterfaceView[];
}

export function instanceView(i: InstanceLike): InstanceView {
  return {
    namespace: i.netns,
    type: i.type,
    name: i.name ?? null,
    status: i.enabled ? 'Running' : 'Paused',
    pool6: i.pool6,
    capacity: i.capacity ?? null,
    layout: i.layout,
    interfaces: i.interfaces.map((x) => ({name: x.name, ifindex: x.ifindex, hook: x.hook, mode: x.mode, reason: x.reason})),
  };
}

export const INSTANCE_HEADERS = ['Namespace', 'Type', 'Name', 'Status', 'Layout', 'Pool6', 'Capacity', 'Interface', 'Hook', 'Mode', 'Reason'];

/** Rows for `instance display`: one per attached interface (one row of dashes when there are none). */
export function instanceRows(list: readonly InstanceView[]): string[][] {
  const rows: string[][] = [];
  for (const v of list) {
    const pool6 = v.pool6 ?? (v.type === 'NAT64' ? '(unset: nothing is translated)' : '(unset)');
    const common = [v.namespace, v.type, v.name ?? '-', v.status, String(v.layout), pool6, v.capacity === null ? '-' : String(v.capacity)];
    if (v.interfaces.length === 0) rows.push([...common, '-', '-', '-', 'no interface left: the instance only lives on while a process holds it']);
    for (const x of v.interfaces) rows.push([...common, x.name, x.hook, x.mode, x.reason || '-']);
  }
  return rows;
}

/** The line `instance add` prints per interface: the same reason text `instance display` shows. */
export function attachedLine(x: InterfaceView): string {
  return `${x.name}: ${x.hook} (${x.mode})${x.reason ? ` - ${x.reason}` : ''}`;
}
