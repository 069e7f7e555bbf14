/** Reverse DNS for `session display` without --numeric: bounded in time, failures stay numeric. */
import {Resolver} from 'node:dns/promises';

export async function reverseNames(addrs: string[], {deadlineMs = 2000, concurrency = 16, max = 256} = {}): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (addrs.length === 0) return names;
  const resolver = new Resolver({timeout: 500, tries: 1});
  const queue = addrs.slice(0, max);
  const worker = async () => {
    for (let a = queue.shift(); a !== undefined; a = queue.shift()) {
      try {
        const [name] = await resolver.reverse(a);
        if (name) names.set(a, name);
      } catch {
        // no name: numeric
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      resolver.cancel();
      queue.length = 0;
      resolve();
    }, deadlineMs);
  });
  await Promise.race([Promise.all(Array.from({length: concurrency}, worker)), deadline]);
  clearTimeout(timer);
  return names;
}
