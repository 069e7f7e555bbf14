/**
 * The command words and flags of the CLI, read from oclif.manifest.json (no
 * command module is loaded): what the argv normalizer, the Jool front ends
 * and shell completion need to know about commands before oclif runs.
 */
import {readFileSync} from 'node:fs';

export interface FlagInfo {
  name: string;
  char?: string;
  /** 'option' flags take a value; 'boolean' ones do not. */
  takesValue: boolean;
  options?: string[];
  hidden: boolean;
}

export interface CommandInfo {
  /** Words of the command ("siit eamt add" -> ['siit', 'eamt', 'add']). */
  words: string[];
  flags: FlagInfo[];
  hidden: boolean;
  summary: string;
  /** Names of its arguments, in order. */
  args: string[];
}

export interface CommandTree {
  /** By id with spaces: "siit eamt add". */
  commands: Map<string, CommandInfo>;
  /** Every proper prefix of a command id ("siit", "siit eamt"), with its description when package.json has one. */
  topics: Map<string, string>;
}

interface ManifestFlag {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  options?: string[];
  hidden?: boolean;
}

interface ManifestCommand {
  id: string;
  hidden?: boolean;
  summary?: string;
  description?: string;
  flags: Record<string, ManifestFlag>;
  args?: Record<string, {name: string}>;
}

interface Manifest {
  commands: Record<string, ManifestCommand>;
}

/** The tree of a manifest (and topic descriptions as package.json's oclif.topics has them, ids with ':'). */
export function buildTree(manifest: Manifest, topicDescriptions: Record<string, {description?: string}> = {}): CommandTree {
  const commands = new Map<string, CommandInfo>();
  const topics = new Map<string, string>();
  for (const c of Object.values(manifest.commands)) {
    const words = c.id.split(':');
    commands.set(words.join(' '), {
      words,
      hidden: c.hidden === true,
      summary: c.summary ?? c.description?.split('\n')[0] ?? '',
      args: Object.values(c.args ?? {}).map((a) => a.name),
      flags: Object.values(c.flags).map((f) => ({
        name: f.name,
        char: f.char,
        takesValue: f.type === 'option',
        options: f.options,
        hidden: f.hidden === true,
      })),
    });
    for (let n = 1; n < words.length; n++) {
      const id = words.slice(0, n).join(' ');
      if (!topics.has(id)) topics.set(id, topicDescriptions[words.slice(0, n).join(':')]?.description ?? '');
    }
  }
  return {commands, topics};
}

const cached = new Map<boolean, CommandTree>();

/**
 * The tree of this package's committed manifest (read once per process);
 * with topic descriptions from package.json when asked (completion, help),
 * which every command line does not need.
 */
export function packageTree(withTopicDescriptions = false): CommandTree {
  const hit = cached.get(withTopicDescriptions);
  if (hit) return hit;
  const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as Manifest;
  let topics: Record<string, {description?: string}> = {};
  if (withTopicDescriptions) {
    const pjson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      oclif?: {topics?: Record<string, {description?: string}>};
    };
    topics = pjson.oclif?.topics ?? {};
  }
  const tree = buildTree(manifest, topics);
  cached.set(withTopicDescriptions, tree);
  return tree;
}

/** The words that may follow `prefix` (a topic or the empty prefix): visible commands and topics first. */
export function childWords(tree: CommandTree, prefix: string[], includeHidden = false): string[] {
  const out = new Set<string>();
  const depth = prefix.length;
  const under = (words: string[]) => words.length > depth && prefix.every((w, i) => words[i] === w);
  for (const c of tree.commands.values()) {
    if (!includeHidden && c.hidden) continue;
    if (under(c.words)) out.add(c.words[depth]);
  }
  return [...out].sort();
}

/** Every word that may follow `prefix`, hidden commands included (abbreviations consider them too). */
function allChildWords(tree: CommandTree, prefix: string[]): string[] {
  return childWords(tree, prefix, true);
}

export type WordMatch = {word: string} | {ambiguous: string[]} | null;

/**
 * Resolves one typed word among the children of `prefix`: exactly, else as
 * the unique prefix of one child (Jool's abbreviations: `glo disp`).
 */
export function matchWord(tree: CommandTree, prefix: string[], typed: string): WordMatch {
  const children = allChildWords(tree, prefix);
  if (children.includes(typed)) return {word: typed};
  const hits = children.filter((c) => c.startsWith(typed));
  if (hits.length === 1) return {word: hits[0]};
  if (hits.length > 1) {
    const visible = childWords(tree, prefix);
    const shown = hits.filter((h) => visible.includes(h));
    if (shown.length === 1) return {word: shown[0]};
    return {ambiguous: shown.length ? shown : hits};
  }
  return null;
}
