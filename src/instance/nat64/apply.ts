/**
 * A configuration file applied to the NAT64 instance, all or nothing (as
 * src/instance/siit/apply.ts for SIIT). Unlike Jool, static BIB entries are
 * applied on updates too. What cannot be undone (dropping the dynamic state
 * of addresses leaving pool4, the sessions of removed static entries) happens
 * only after everything else succeeded.
 */
import {readPool4} from './maps.js';
import {atomically} from '../journal.js';
import {detachThenName} from '../apply-ending.js';
import * as attach from '../attach.js';
import {readMeta, writeMeta} from '../meta.js';
import type * as L from './layout.js';
import {
  addNat64Instance,
  addStaticBibIn,
  attachNat64Interfaces,
  detachNat64Attachments,
  detachNat64Interfaces,
  applyNat64Update,
  dropSessionsOf,
  dropStateIn,
  findNat64Instance,
  globalsOf,
  NAT64_SPEC,
  removeNat64Instance,
  removeStaticBibIn,
  staticBibIn,
  userIterations,
  userPool4,
  withNat64Instance,
  writeConfig,
  writeUserPool4,
  type Nat64Maps,
} from './instance.js';
import {NAT64_GLOBAL_KEYS, parseNat64GlobalUpdate, type Nat64Globals} from '../../model/nat64-globals.js';
import {PROTO_NAME} from '../../model/nat64-pool4.js';
import {pool4Holds, type Pool4Item} from '../../model/pool4-set.js';
import {pool6ToBuffer, parsePool6} from '../../model/pool6.js';
import type {Nat64Current, Nat64Plan} from '../../config/plan.js';
import type {Nat64State} from '../../config/state.js';
import {dropDetState, readDet, writeDet} from './blocks.js';

/** The running instance as a plan compares it with a file, or null when there is none. */
export async function readNat64Current(): Promise<Nat64Current | null> {
  const instance = await findNat64Instance();
  if (!instance) return null;
  return withNat64Instance((maps, cfg, found) => ({
    name: readMeta(maps.meta).name,
    global: globalsOf(cfg),
    pool4: userPool4(maps, cfg),
    iterations: userIterations(maps, cfg),
    bib: staticBibIn(maps).map((e) => ({proto: e.proto, t6: e.ipv6, t4: e.ipv4})),
    deterministic: maps.blk6 ? readDet(maps) : [],
    interfaces: attach.publicInterfaces(found.attachments).map((i) => i.name),
    capacity: maps.sessions.maxEntries,
  }));
}

/** nat64_config with every global of `g` (through the parser `global update` uses). */
function withGlobals(cfg: L.Nat64Config, g: Nat64Globals): L.Nat64Config {
  let next = cfg;
  for (const k of NAT64_GLOBAL_KEYS) {
    const v = g[k];
    next = applyNat64Update(next, parseNat64GlobalUpdate(k, v === null ? 'null' : String(v)));
  }
  return next;
}

/** Globals, pool4 and static BIB into a new instance's maps (nothing attached yet). */
function fillFresh(maps: Nat64Maps, cfg: L.Nat64Config, wanted: Nat64State): L.Nat64Config {
  let next = withGlobals(cfg, wanted.global);
  writeConfig(maps, next);
  next = writeUserPool4(maps, next, wanted.pool4, wanted.iterations);
  writeDet(maps, wanted.deterministic, true);
  for (const b of wanted.bib) addStaticBibIn(maps, next, b.proto, b.t6, b.t4);
  return next;
}

/** Carries out a plan; on any failure everything it did is undone (a new instance is removed). */
export async function applyNat64Plan(plan: Nat64Plan, wanted: Nat64State, verbose: boolean, onWarning?: (m: string) => void): Promise<void> {
  if (plan.changes.length === 0) return;
  if (plan.create) {
    const pool6 = wanted.global.pool6 === null ? null : pool6ToBuffer(parsePool6(wanted.global.pool6));
    await addNat64Instance({
      pool6,
      interfaces: wanted.interfaces,
      hook: wanted.hook,
      capacity: wanted.capacity ?? 65536,
      verbose,
      configure: (maps, cfg) => fillFresh(maps, cfg, wanted),
      onWarning,
    });
    if (plan.name !== undefined) {
      try {
        await withNat64Instance((maps, _cfg, found) =>
          writeMeta(
            maps.meta,
            found.attachments.map((a) => a.progId),
            {name: plan.name!},
          ),
        );
      } catch (err) {
        await removeNat64Instance().catch(() => undefined);
        throw err;
      }
    }
    return;
  }
  await withNat64Instance(async (maps, cfg, found) => {
    await atomically('applying the configuration', async (j) => {
      if (plan.attach.length) {
        await j.step(
          `attaching ${plan.attach.join(', ')}`,
          () => attachNat64Interfaces(found, plan.attach, wanted.hook),
          (done) => detachNat64Attachments(found, done),
        );
      }
      let now = cfg;
      if (plan.global || plan.pool4) {
        const oldRanges = readPool4(maps, cfg);
        const oldUser = userPool4(maps, cfg);
        const oldIterations = userIterations(maps, cfg);
        now = await j.step(
          'writing the globals and pool4',
          () => {
            let next = plan.global ? withGlobals(cfg, plan.global) : cfg;
            writeConfig(maps, next);
            if (plan.pool4) next = writeUserPool4(maps, next, plan.pool4, plan.iterations ?? undefined);
            return next;
          },
          () => {
            writeUserPool4(maps, cfg, oldUser, oldIterations);
            writeConfig(maps, {...cfg, pool4Count: oldRanges.length});
          },
        );
      }
      if (plan.deterministic) {
        const before = readDet(maps);
        const after = plan.deterministic;
        await j.step(
          'writing the deterministic pool4',
          () => {
            writeDet(maps, after, true);
          },
          () => {
            writeDet(maps, before, true);
          },
        );
      }
      for (const b of plan.bibRemove) {
        await j.step(
          'removing a static BIB entry',
          () => removeStaticBibIn(maps, b.proto, b.t6, b.t4),
          (putBack) => putBack(),
        );
      }
      for (const b of plan.bibAdd) {
        await j.step(
          'adding a static BIB entry',
          () => addStaticBibIn(maps, now, b.proto, b.t6, b.t4),
          (takeOut) => takeOut(),
        );
      }
      await detachThenName(j, NAT64_SPEC, found, plan.detach, wanted.hook, maps.meta, plan.name, {
        detach: detachNat64Interfaces,
        attach: attachNat64Interfaces,
      });
    });
    // Done: now what cannot be undone.
    const gone: Pool4Item[] = plan.pool4Removed;
    if (gone.length) dropStateIn(maps, (a, p, pr) => pool4Holds(gone, PROTO_NAME[pr], a, p));
    for (const b of plan.bibRemove) dropSessionsOf(maps, b.proto, b.t4);
    dropDetState(maps, plan.detRemoved);
  });
}
