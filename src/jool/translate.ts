/**
 * Jool's command lines in xlat's words, for the `xlat-jool` (NAT64) and
 * `xlat-jool-siit` (SIIT) front ends, so that `alias jool=xlat-jool` runs
 * existing scripts:
 *
 *  - Jool 4: `[-i NAME] MODE OPERATION ARGS...` (instance, stats, global,
 *    pool4, bib, session, file; eamt, denylist4/blacklist4, address for SIIT),
 *    words abbreviated to unique prefixes as Jool allows (`g u`);
 *  - Jool 3: `--MODE [--OPERATION] ARGS...` (`--instance --add`, `--pool6
 *    --add PREFIX`, `--pool6`, `--session --icmp --numeric`, `--bib`, `--pool4
 *    --add ...`, `--global`, `--KEY VALUE`, `--enable`, `--disable`).
 *
 * One Jool line may become several xlat lines (Jool 3 adds a pool4 entry to
 * every protocol when none is named). Pure: the result is data.
 */
import {NAT64_GLOBAL_KEYS} from '../model/nat64-globals.js';
import {SIIT_ALL_GLOBAL_KEYS} from '../model/siit-config.js';

export type JoolFlavour = 'SIIT' | 'NAT64';

export interface Translation {
  /** xlat command lines, run in order until one fails. */
  commands: string[][];
  /** Said on stderr before running (what is ignored, and why). */
  notes: string[];
}

export class JoolSyntaxError extends Error {}

const MODES: Record<JoolFlavour, string[]> = {
  NAT64: ['instance', 'stats', 'global', 'pool4', 'bib', 'session', 'file'],
  SIIT: ['instance', 'stats', 'address', 'global', 'eamt', 'denylist4', 'blacklist4', 'file'],
};

const OPERATIONS: Record<string, string[]> = {
  instance: ['display', 'add', 'remove', 'flush', 'status'],
  stats: ['display'],
  address: ['query'],
  global: ['display', 'update'],
  eamt: ['display', 'add', 'remove', 'flush'],
  denylist4: ['display', 'add', 'remove', 'flush'],
  blacklist4: ['display', 'add', 'remove', 'flush'],
  pool4: ['display', 'add', 'remove', 'flush'],
  bib: ['display', 'add', 'remove'],
  session: ['display'],
  file: ['handle'],
};

/** Jool's rule: an exact label, else the only label the token starts; several is an error. */
function pick(options: string[], token: string, what: string): string {
  if (options.includes(token)) return token;
  const hits = options.filter((o) => o.startsWith(token));
  if (hits.length === 1) return hits[0];
  if (hits.length === 0) throw new JoolSyntaxError(`unexpected ${what} '${token}' (expected one of ${options.join(', ')})`);
  throw new JoolSyntaxError(`ambiguous ${what} '${token}': it may be ${hits.join(', ')}`);
}

const JOOL3_MODES = ['--instance', '--pool6', '--pool4', '--bib', '--session', '--global', '--eamt', '--blacklist', '--denylist4', '--pool6791', '--stats'];
const JOOL3_OPS = ['--display', '--add', '--remove', '--flush', '--count', '--update'];

/** Jool 3 when the line is made of Jool 3 mode and operation flags (`--instance NAME` is Jool 4's). */
export function isJool3(argv: readonly string[]): boolean {
  if (argv.length === 0) return true; // `jool` alone: Jool 3 displays the globals
  const first = argv[0];
  if (first === '--instance' || first === '-i') {
    const next = argv[1];
    return next === undefined || JOOL3_OPS.includes(next);
  }
  if (JOOL3_MODES.includes(first) || JOOL3_OPS.includes(first) || first === '--enable' || first === '--disable') return true;
  return first.startsWith('--') && !argv.some((a) => !a.startsWith('-') && OPERATIONS[a] !== undefined);
}

const mode = (f: JoolFlavour): string => (f === 'SIIT' ? 'siit' : 'nat64');

// ---------------------------------------------------------------------------
// Jool 4

function translateJool4(flavour: JoolFlavour, argv: readonly string[]): Translation {
  const notes: string[] = [];
  let name: string | undefined;
  // argp1: -i NAME, --instance NAME, --instance=NAME; -f/--file FILE.
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '-i' || t === '--instance' || t === '-f' || t === '--file') {
      const v = argv[++i];
      if (v === undefined) throw new JoolSyntaxError(`${t} needs a value`);
      if (t === '-i' || t === '--instance') name = v;
      else notes.push(`${t} ${v}: ignored (give the file to 'file handle')`);
    } else if (t.startsWith('--instance=')) name = t.slice('--instance='.length);
    else rest.push(t);
  }
  const words = rest.filter((a) => !a.startsWith('-'));
  if (words.length === 0) throw new JoolSyntaxError(`more arguments expected: one of ${MODES[flavour].join(', ')}`);
  const modeWord = pick(MODES[flavour], words[0], 'mode');
  const idx = rest.indexOf(words[0]);
  rest.splice(idx, 1);
  let op = 'display';
  const opWord = rest.find((a) => !a.startsWith('-'));
  if (opWord !== undefined && OPERATIONS[modeWord].some((o) => o.startsWith(opWord))) {
    op = pick(OPERATIONS[modeWord], opWord, `${modeWord} operation`);
    rest.splice(rest.indexOf(opWord), 1);
  }
  const xmode = modeWord === 'blacklist4' ? 'denylist4' : modeWord;
  const named = name === undefined ? [] : ['--instance-name', name];
  const args = rest.filter((a) => {
    if (a !== '--netfilter' && a !== '--iptables') return true;
    notes.push(`${a}: ignored (xlat attaches to interfaces with XDP or tc; no ${a === '--iptables' ? 'iptables rule' : 'Netfilter hook'} is involved)`);
    return false;
  });
  if (xmode === 'instance') {
    if (op === 'add' || op === 'remove') {
      // `instance add [NAME]`: the name is a word after the operation (not --pool6's value).
      const i = args.findIndex((a, k) => !a.startsWith('-') && args[k - 1] !== '--pool6');
      if (i !== -1) {
        const n = args.splice(i, 1)[0];
        if (name !== undefined && name !== n) throw new JoolSyntaxError(`two instance names: '${name}' and '${n}'`);
        name = n;
      }
      const nameFlags = name === undefined ? [] : ['--instance-name', name];
      return {commands: [[mode(flavour), 'instance', op, ...args, ...nameFlags]], notes};
    }
    if (op === 'flush') return {commands: [[mode(flavour), 'instance', 'remove', '--if-exists', ...args]], notes};
    if (op === 'display') return {commands: [[mode(flavour), 'instance', 'display', '--all-namespaces', ...args]], notes};
  }
  return {commands: [[mode(flavour), xmode, op, ...args, ...named]], notes};
}

// ---------------------------------------------------------------------------
// Jool 3

const PROTOS = ['--tcp', '--udp', '--icmp'];

function translateJool3(flavour: JoolFlavour, argv: readonly string[]): Translation {
  const notes: string[] = [];
  const m = mode(flavour);
  const keys: readonly string[] = flavour === 'SIIT' ? SIIT_ALL_GLOBAL_KEYS : NAT64_GLOBAL_KEYS;
  const rest = [...argv];
  const take = (flag: string): boolean => {
    const i = rest.indexOf(flag);
    if (i === -1) return false;
    rest.splice(i, 1);
    return true;
  };
  const jmode = JOOL3_MODES.find((f) => rest.includes(f)) ?? '--global';
  take(jmode);
  const op = JOOL3_OPS.find((f) => rest.includes(f)) ?? (jmode === '--instance' ? '--add' : '--display');
  take(op);
  const protos = PROTOS.filter((p) => rest.includes(p));
  for (const p of protos) take(p);
  const allProtos = protos.length ? protos : PROTOS;
  const words = rest.filter((a) => !a.startsWith('-'));
  const flags = rest.filter((a) => a.startsWith('-'));
  const unsupported = (what: string) => new JoolSyntaxError(`${what} is not supported by xlat-jool`);

  switch (jmode) {
    case '--instance':
      if (op === '--add') return {commands: [[m, 'instance', 'add', ...flags]], notes};
      if (op === '--remove') return {commands: [[m, 'instance', 'remove', ...flags]], notes};
      throw unsupported(`--instance ${op}`);
    case '--pool6':
      if (op === '--display') return {commands: [[m, 'pool6', 'display', ...flags]], notes};
      if (op === '--count') return {commands: [[m, 'pool6', 'display', '--count', ...flags]], notes};
      if (op === '--add') return {commands: [[m, 'global', 'update', 'pool6', words[0] ?? '', ...flags.filter((f) => f !== '--force')]], notes};
      if (op === '--remove' || op === '--flush') return {commands: [[m, 'global', 'update', 'pool6', 'null']], notes};
      throw unsupported(`--pool6 ${op}`);
    case '--pool4': {
      if (flavour === 'SIIT') throw unsupported('--pool4 on SIIT');
      if (op === '--display') return {commands: allProtos.map((p) => [m, 'pool4', 'display', p, ...flags]), notes};
      if (op === '--flush') return {commands: [[m, 'pool4', 'flush', ...flags]], notes};
      if (op === '--add' || op === '--remove') {
        if (op === '--add' && words.length < 2)
          notes.push('no port range given: xlat takes 61001-65535 (Jool 3 took every port, which cuts local services off)');
        return {commands: allProtos.map((p) => [m, 'pool4', op.slice(2), p, ...words, ...flags]), notes};
      }
      throw unsupported(`--pool4 ${op}`);
    }
    case '--bib':
      if (op === '--display') return {commands: allProtos.map((p) => [m, 'bib', 'display', p, ...flags]), notes};
      if (op === '--add' || op === '--remove') return {commands: allProtos.map((p) => [m, 'bib', op.slice(2), p, ...words, ...flags]), notes};
      throw unsupported(`--bib ${op}`);
    case '--session':
      if (op === '--display') return {commands: allProtos.map((p) => [m, 'session', 'display', p, ...flags]), notes};
      throw unsupported(`--session ${op}`);
    case '--eamt':
      if (op === '--display') return {commands: [[m, 'eamt', 'display', ...flags]], notes};
      if (op === '--add' || op === '--remove' || op === '--flush') return {commands: [[m, 'eamt', op.slice(2), ...words, ...flags]], notes};
      throw unsupported(`--eamt ${op}`);
    case '--blacklist':
    case '--denylist4':
      if (op === '--display') return {commands: [[m, 'denylist4', 'display', ...flags]], notes};
      if (op === '--add' || op === '--remove' || op === '--flush') return {commands: [[m, 'denylist4', op.slice(2), ...words, ...flags]], notes};
      throw unsupported(`${jmode} ${op}`);
    case '--stats':
      return {commands: [[m, 'stats', 'display', ...flags]], notes};
    case '--pool6791':
      throw unsupported('--pool6791 (use global update rfc6791v4-prefix)');
    default: {
      // --global: display, or --KEY VALUE / --enable / --disable updates (one per key given).
      const commands: string[][] = [];
      const passthrough: string[] = [];
      for (let i = 0; i < rest.length; i++) {
        const t = rest[i];
        if (t === '--enable' || t === '--disable') {
          commands.push([m, 'global', 'update', 'manually-enabled', t === '--enable' ? 'true' : 'false']);
          continue;
        }
        const [k, inline] = t.startsWith('--') ? t.slice(2).split(/=(.*)/s) : [undefined, undefined];
        if (k !== undefined && keys.includes(k)) {
          const value = inline ?? rest[++i];
          if (value === undefined) throw new JoolSyntaxError(`--${k} needs a value`);
          commands.push([m, 'global', 'update', k, value.replace(/\s*,\s*/g, ',')]);
          continue;
        }
        if (
          k !== undefined &&
          [
            'fragment-arrival-timeout',
            'logging-bib',
            'logging-session',
            'ss-enabled',
            'ss-flush-asap',
            'ss-flush-deadline',
            'ss-capacity',
            'ss-max-payload',
          ].includes(k)
        ) {
          if (inline === undefined) i++;
          notes.push(`--${k}: ignored (xlat has no such setting)`);
          continue;
        }
        passthrough.push(t);
      }
      if (commands.length) return {commands, notes};
      return {commands: [[m, 'global', 'display', ...passthrough]], notes};
    }
  }
}

export function translateJool(flavour: JoolFlavour, argv: readonly string[]): Translation {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('--usage')) return {commands: [[mode(flavour), '--help']], notes: []};
  if (argv.includes('--version') || argv.includes('-V')) return {commands: [['--version']], notes: []};
  return isJool3(argv) ? translateJool3(flavour, argv) : translateJool4(flavour, argv);
}
