/**
 * Text views of what the instance layer returns.
 */
import type {SiitGlobals, SiitInstance} from '../instance/siit.js';

/** Layout: the map layout version of the attached programs (`xlat --version` prints this xlat's). */
export const INSTANCE_HEADERS = ['Namespace', 'Type', 'Layout', 'Pool6', 'Interface', 'Hook', 'Mode', 'Reason'];

/** One table row per attached interface (one row of dashes when there are none). */
export function instanceRows(instance: SiitInstance | null): string[][] {
  if (instance === null) return [];
  const common = [instance.netns, instance.type, String(instance.layout), instance.pool6 ?? '(unset)'];
  if (instance.interfaces.length === 0) return [[...common, '-', '-', '-', '-']];
  return instance.interfaces.map((i) => [...common, i.name, i.hook, i.mode, i.reason || '-']);
}

/** Global keys in display order with their text values. */
export function globalPairs(globals: SiitGlobals): [string, string][] {
  return [
    ['manually-enabled', String(globals['manually-enabled'])],
    ['pool6', globals.pool6 ?? '(unset)'],
  ];
}
