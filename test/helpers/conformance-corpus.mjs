// Reading the external packet-conformance corpus (../shared/conformance/rfc7915, see its README) and
// translating its Jool-syntax translator configuration into xlat commands. Pure (file reads only); the corpus
// itself is never copied into this repository.
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';

/** Default location: next to the repository, `<repo>/../shared/conformance/rfc7915`. */
export function defaultCorpusDir(repo) {
  return path.join(repo, '..', 'shared', 'conformance', 'rfc7915');
}

/** Why the corpus in `dir` cannot be used, or null. */
export function corpusSkipReason(dir) {
  if (!existsSync(path.join(dir, 'cases.json'))) {
    return `conformance corpus not found at ${dir} (no cases.json): it lives outside the repository, in ../shared/conformance/rfc7915 (or set XLAT_CONFORMANCE_DIR)`;
  }
  return null;
}

/**
 * cases.json of `dir` with every packet file read. Returns
 *   {doc, steps, cases, namespaces, translator, endpoints}
 * where case steps carry `number` (1-based among cases), `title` ('#n name'), `send` [{ns, name, bytes}] and
 * `expect` [{name, bytes, ignore}]; other steps are as in the file. The translator is the namespace present on
 * every link. Throws on a malformed corpus.
 */
export function loadCorpus(dir) {
  const doc = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8'));
  for (const key of ['links', 'setup', 'translator', 'steps']) {
    if (!doc[key]) throw new Error(`${dir}/cases.json: no '${key}'`);
  }
  const cache = new Map();
  const packet = (rel) => {
    if (!cache.has(rel)) cache.set(rel, {name: path.basename(rel), bytes: readFileSync(path.join(dir, rel))});
    return cache.get(rel);
  };
  let n = 0;
  const steps = doc.steps.map((s) => {
    if (!s.send) return s;
    n++;
    return {
      ...s,
      number: n,
      title: `#${n} ${s.name}`,
      send: s.send.map(([ns, rel]) => ({ns, ...packet(rel)})),
      expect: s.expect.map(([rel, ignore]) => ({...packet(rel), ignore: ignore ?? []})),
    };
  });
  const namespaces = [...new Set(doc.links.flat().map(([ns]) => ns))];
  const translator = namespaces.find((ns) => doc.links.every((l) => l.some(([x]) => x === ns)));
  if (!translator) throw new Error(`${dir}/cases.json: no namespace is on every link (which one is the translator?)`);
  return {doc, steps, cases: n, namespaces, translator, endpoints: namespaces.filter((ns) => ns !== translator)};
}

/**
 * xlat's command line for one Jool configuration command:
 *   instance add [--netfilter|--iptables] -6 P   ->  siit instance add --pool6 P --hook HOOK
 *   eamt add A B                                 ->  siit eamt add A B
 *   global update K V                            ->  siit global update K V
 *   anything else T V ...                        ->  siit T V ...
 * Returns {args, key}; `key` names the piece of configuration the command sets, so that a later successful
 * command with the same key supersedes a failed one.
 */
export function joolToXlat(jool, hook) {
  const [topic, verb, ...rest] = jool;
  if (topic === 'instance' && verb === 'add') {
    const args = ['siit', 'instance', 'add'];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '-6' || rest[i] === '--pool6') args.push('--pool6', rest[++i]);
      else if (rest[i].startsWith('--pool6=')) args.push('--pool6', rest[i].slice('--pool6='.length));
      // --netfilter / --iptables choose Jool's hook; xlat's is --hook
    }
    args.push('--hook', hook);
    return {args, key: 'instance'};
  }
  if (topic === 'global' && verb === 'update') return {args: ['siit', 'global', 'update', ...rest], key: `global ${rest[0]}`};
  return {args: ['siit', topic, verb, ...rest], key: `${topic} ${verb} ${rest.join(' ')}`};
}
