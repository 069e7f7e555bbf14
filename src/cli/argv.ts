/**
 * Puts a command line into the one form oclif parses, before oclif sees it:
 *
 *  - the global flags (those every command has: --json, -n/--netns, --verbose)
 *    are accepted anywhere, before the mode or between the words, as `ip -n`
 *    users type them, and are moved after the command words;
 *  - command words may be abbreviated to a unique prefix (`siit glo disp`), as
 *    Jool's are; long flags too (`--nu` for `--numeric`);
 *  - `-h` is `--help`, and `help WORDS...` is `WORDS... --help`;
 *  - words that name no command, or stop at a topic, are an input error
 *    (exit 2), never a help page that exits 0.
 *
 * Pure: the command tree comes in as data.
 */
import {childWords, matchWord, type CommandInfo, type CommandTree, type FlagInfo} from './command-tree.js';

export type Normalized =
  {kind: 'run'; argv: string[]; json: boolean; command: string | null} | {kind: 'error'; message: string; json: boolean; command: string | null};

/** Flags every command has: they may appear anywhere. */
export function globalFlags(tree: CommandTree): FlagInfo[] {
  const all = [...tree.commands.values()];
  if (all.length === 0) return [];
  return all[0].flags.filter((f) => all.every((c) => c.flags.some((g) => g.name === f.name && g.takesValue === f.takesValue)));
}

function findFlag(flags: FlagInfo[], token: string): FlagInfo | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2).split('=')[0];
    return flags.find((f) => f.name === name);
  }
  if (/^-[A-Za-z]/.test(token)) return flags.find((f) => f.char === token[1]);
  return undefined;
}

/** `--nu` -> `--numeric` when exactly one of the command's long flags starts so (an exact name always wins). */
function expandLongFlag(flags: FlagInfo[], token: string): string {
  if (!token.startsWith('--') || token === '--') return token;
  const eq = token.indexOf('=');
  const name = token.slice(2, eq === -1 ? undefined : eq);
  if (name === '' || flags.some((f) => f.name === name) || name === 'help') return token;
  const hits = flags.filter((f) => !f.hidden && f.name.startsWith(name));
  if (hits.length !== 1) return token;
  return `--${hits[0].name}${eq === -1 ? '' : token.slice(eq)}`;
}

/** Whether every command under `prefix` that has this flag has it as a boolean (so it can be moved without a value). */
function booleanUnder(tree: CommandTree, prefix: string[], token: string): boolean {
  let seen = false;
  for (const c of tree.commands.values()) {
    if (!prefix.every((w, i) => c.words[i] === w)) continue;
    const f = findFlag(c.flags, token);
    if (!f) continue;
    if (f.takesValue) return false;
    seen = true;
  }
  return seen;
}

export function normalizeArgv(argv: readonly string[], tree: CommandTree, bin = 'xlat'): Normalized {
  const dd = argv.indexOf('--');
  const head = dd === -1 ? [...argv] : argv.slice(0, dd);
  const tail = dd === -1 ? [] : argv.slice(dd);
  const globals = globalFlags(tree);
  const json = head.includes('--json');

  // `xlat --version [--json]`: oclif's, with the map layouts (src/cli/hooks/version.ts).
  if (head.includes('--version') && head.every((t) => t === '--version' || t === '--json')) return {kind: 'run', argv: head, json, command: null};

  // 1. Global flags, wherever they are.
  const moved: string[] = [];
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < head.length; i++) {
    const t = head[i];
    if (t === '-h' || t === '--help') {
      help = true;
      continue;
    }
    const g = findFlag(globals, t);
    if (!g) {
      rest.push(t);
      continue;
    }
    const long = `--${g.name}`;
    if (!g.takesValue) {
      if (t.startsWith('--') && t.includes('=')) {
        rest.push(t); // --json=...: let oclif refuse it
        continue;
      }
      if (!moved.includes(long)) moved.push(long);
      continue;
    }
    let value: string | undefined;
    if (t.startsWith('--') && t.includes('=')) value = t.slice(t.indexOf('=') + 1);
    else if (!t.startsWith('--') && t.length > 2) value = t.slice(2);
    else value = head[++i];
    if (value === undefined) {
      return {kind: 'error', message: `flag ${long} needs a value`, json, command: null};
    }
    moved.push(long, value);
  }

  // 2. The command words, each one exact or a unique prefix; boolean flags typed between them wait.
  const words: string[] = [];
  const early: string[] = [];
  let i = 0;
  if (rest[0] === 'help' && !tree.topics.has('help') && ![...tree.commands.keys()].includes('help')) {
    help = true;
    i = 1;
  }
  let command: CommandInfo | undefined;
  for (; i < rest.length && !command; i++) {
    const t = rest[i];
    if (t.startsWith('-') && t !== '-') {
      if (words.length > 0 && booleanUnder(tree, words, t)) {
        early.push(t);
        continue;
      }
      break;
    }
    const m = matchWord(tree, words, t);
    if (m === null) {
      const where = words.length ? `'${bin} ${words.join(' ')}'` : `'${bin}'`;
      const known = childWords(tree, words);
      return {
        kind: 'error',
        message: `'${[...words, t].join(' ')}' is not an xlat command: ${where} takes ${known.join(', ')} (see '${[bin, ...words, '--help'].join(' ')}')`,
        json,
        command: null,
      };
    }
    if ('ambiguous' in m) {
      return {kind: 'error', message: `'${t}' is ambiguous after '${[bin, ...words].join(' ')}': it may be ${m.ambiguous.join(', ')}`, json, command: null};
    }
    words.push(m.word);
    command = tree.commands.get(words.join(' '));
  }
  const after = [...early, ...rest.slice(i)];

  if (help) return {kind: 'run', argv: [...words, ...after, ...moved, '--help', ...tail], json, command: words.join(' ') || null};
  if (words.length === 0) {
    if (after.length === 0) return {kind: 'run', argv: ['--help', ...tail], json, command: null};
    return {kind: 'error', message: `'${after[0]}' is not an xlat command (see '${bin} --help')`, json, command: null};
  }
  if (!command) {
    const ops = childWords(tree, words);
    return {
      kind: 'error',
      message: `'${[bin, ...words].join(' ')}' needs one of: ${ops.join(', ')} (see '${[bin, ...words, '--help'].join(' ')}')`,
      json,
      command: words.join(' '),
    };
  }

  // 3. Long flags of the command may be abbreviated; values are left as typed.
  const out: string[] = [];
  for (let k = 0; k < after.length; k++) {
    const t = expandLongFlag(command.flags, after[k]);
    out.push(t);
    const f = findFlag(command.flags, t);
    if (f?.takesValue && !t.includes('=') && !(t.length > 2 && !t.startsWith('--')) && k + 1 < after.length) out.push(after[++k]);
  }
  return {kind: 'run', argv: [...words, ...out, ...moved, ...tail], json, command: words.join(' ')};
}
