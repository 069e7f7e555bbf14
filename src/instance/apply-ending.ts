/**
 * How both translators' file applies end (src/instance/siit/apply.ts, nat64-apply.ts): the interfaces the file no
 * longer names are detached (attached again if a later step fails), then the instance's name is recorded. The name
 * comes last: the map that holds it cannot be taken back once created, so nothing may fail after it.
 */
import type {BpfMap} from '../bpf/map.js';
import * as attach from './attach.js';
import type {Journal} from './journal.js';
import {writeMeta} from './meta.js';

/** How a translator attaches and detaches interfaces of a running instance (NAT64 adds its sysctls to both). */
export interface AttachOps {
  detach(found: attach.Discovered, names: string[]): Promise<unknown>;
  attach(found: attach.Discovered, names: string[], hook: attach.HookRequest): Promise<unknown>;
}

export async function detachThenName(
  j: Journal,
  spec: attach.ProgramSpec,
  found: attach.Discovered,
  detach: string[],
  hook: attach.HookRequest,
  meta: BpfMap | null,
  name: string | undefined,
  ops: AttachOps = {
    detach: (f, names) => attach.detachSome(spec, f, names),
    attach: (f, names, h) => attach.attachMore(spec, f, names, h),
  },
): Promise<void> {
  if (detach.length) {
    await j.step(
      `detaching ${detach.join(', ')}`,
      () => ops.detach(found, detach),
      async () => {
        await ops.attach({...found, attachments: found.attachments.filter((a) => !detach.includes(a.name))}, detach, hook);
      },
    );
  }
  if (name !== undefined)
    await writeMeta(
      meta,
      found.attachments.map((a) => a.progId),
      {name},
    );
}
