/**
 * A configuration file applied to the SIIT instance, all or nothing: the
 * running state read as the plan needs it, and a plan (src/config/plan.ts)
 * carried out step by step with an undo for each (src/instance/journal.ts).
 * A new instance gets its whole configuration in its maps before it is
 * attached, so a failure leaves nothing behind.
 */
import {NOEXIST} from '../txn.js';
import {atomically} from '../journal.js';
import {detachThenName} from '../apply-ending.js';
import * as attach from '../attach.js';
import {readMeta, writeMeta} from '../meta.js';
import {
  addSiitInstance,
  attachSiitInterfaces,
  findSiitInstance,
  readSiitConfig,
  removeSiitInstance,
  SIIT_SPEC,
  withSiitInstance,
  writeSiitConfig,
  type FreshSiitMaps,
} from './instance.js';
import {applyGlobalChange, eamtHalves, entryValue, globalsView, key4, key6, ONE, readDeny4, readEamt, sortPrefix4} from './tables.js';
import type {SiitConfig} from '../layout.js';
import {parseSiitGlobalChange, SIIT_ALL_GLOBAL_KEYS, type SiitGlobalsView} from '../../model/siit-config.js';
import {compareEam} from '../../model/siit-eamt.js';
import type {SiitCurrent, SiitPlan} from '../../config/plan.js';
import type {SiitState} from '../../config/state.js';

/** The running instance as a plan compares it with a file, or null when there is none. */
export async function readSiitCurrent(): Promise<SiitCurrent | null> {
  const instance = await findSiitInstance();
  if (!instance) return null;
  return withSiitInstance((maps, found) => ({
    name: readMeta(maps.meta).name,
    global: globalsView(readSiitConfig(maps)),
    eamt: readEamt(maps).sort(compareEam),
    denylist4: sortPrefix4(readDeny4(maps.deny4)),
    interfaces: attach.publicInterfaces(found.attachments).map((i) => i.name),
  }));
}

/** siit_config with every global of the view (the text forms go through the same parser as `global update`). */
function withGlobals(cfg: SiitConfig, g: SiitGlobalsView): SiitConfig {
  let next = cfg;
  for (const k of SIIT_ALL_GLOBAL_KEYS) {
    const v = g[k];
    const text = v === null ? 'null' : Array.isArray(v) ? v.join(',') : String(v);
    next = applyGlobalChange(next, parseSiitGlobalChange(k, text));
  }
  return next;
}

/** Writes a whole configuration into a new instance's maps (nothing attached yet). */
function fillFresh(maps: FreshSiitMaps, wanted: SiitState): void {
  writeSiitConfig({config: maps.config}, withGlobals(readSiitConfig({config: maps.config}), wanted.global));
  for (const e of wanted.eamt) {
    maps.eamt6.update(key6(e.p6), entryValue(e), NOEXIST);
    maps.eamt4.update(key4(e.p4), entryValue(e), NOEXIST);
  }
  for (const p of wanted.denylist4) maps.deny4.update(key4(p), ONE, NOEXIST);
}

/** Carries out a plan; on any failure everything it did is undone (a new instance is removed). */
export async function applySiitPlan(plan: SiitPlan, wanted: SiitState, verbose: boolean): Promise<void> {
  if (plan.changes.length === 0) return;
  if (plan.create) {
    await addSiitInstance({
      pool6: null,
      interfaces: wanted.interfaces,
      hook: wanted.hook,
      verbose,
      configure: (maps) => fillFresh(maps, wanted),
    });
    if (plan.name !== undefined) {
      try {
        await withSiitInstance((maps, found) =>
          writeMeta(
            maps.meta,
            found.attachments.map((a) => a.progId),
            {name: plan.name!},
          ),
        );
      } catch (err) {
        await removeSiitInstance().catch(() => undefined);
        throw err;
      }
    }
    return;
  }
  await withSiitInstance((maps, found) =>
    atomically('applying the configuration', async (j) => {
      if (plan.attach.length) {
        await j.step(
          `attaching ${plan.attach.join(', ')}`,
          () => attachSiitInterfaces(maps, found, plan.attach, wanted.hook),
          (done) => attach.detachAll(SIIT_SPEC, done),
        );
      }
      if (plan.global) {
        const old = readSiitConfig(maps);
        await j.step(
          'writing the globals',
          () => writeSiitConfig(maps, withGlobals(old, plan.global!)),
          () => writeSiitConfig(maps, old),
        );
      }
      for (const e of plan.eamtRemove) {
        const v = entryValue(e);
        await j.step(
          `removing EAMT entry`,
          () => {
            maps.eamt6.delete(key6(e.p6));
            maps.eamt4.delete(key4(e.p4));
          },
          () => {
            maps.eamt6.update(key6(e.p6), v, NOEXIST);
            maps.eamt4.update(key4(e.p4), v, NOEXIST);
          },
        );
      }
      // Halves of entries an earlier CLI left when it was killed between an entry's two writes: not entries (the
      // plan did not count them), and in the way of the entries about to be added.
      for (const h of eamtHalves(maps)) {
        await j.step(
          'dropping half of an EAMT entry',
          () => void h.map.delete(h.key),
          () => h.map.update(h.key, h.value, NOEXIST),
        );
      }
      for (const e of plan.eamtAdd) {
        const v = entryValue(e);
        await j.step(
          'adding EAMT entry',
          () => maps.eamt6.update(key6(e.p6), v, NOEXIST),
          () => void maps.eamt6.delete(key6(e.p6)),
        );
        await j.step(
          'adding EAMT entry',
          () => maps.eamt4.update(key4(e.p4), v, NOEXIST),
          () => void maps.eamt4.delete(key4(e.p4)),
        );
      }
      for (const p of plan.denyRemove) {
        await j.step(
          'removing a denylist4 prefix',
          () => void maps.deny4.delete(key4(p)),
          () => maps.deny4.update(key4(p), ONE, NOEXIST),
        );
      }
      for (const p of plan.denyAdd) {
        await j.step(
          'adding a denylist4 prefix',
          () => maps.deny4.update(key4(p), ONE, NOEXIST),
          () => void maps.deny4.delete(key4(p)),
        );
      }
      await detachThenName(j, SIIT_SPEC, found, plan.detach, wanted.hook, maps.meta, plan.name);
    }),
  );
}
