/**
 * Reading a configuration file: its text (a path, or '-' for standard input),
 * JSON with the position of a syntax error, the schema (every error at once),
 * then the values. Any problem is a ConfigError listing them all: the caller
 * changes nothing.
 */
import {readFileSync} from 'node:fs';
import {ConfigError, InputError, describeSystemError} from '../errors.js';
import {parseNat64Document, parseSiitDocument, type Nat64State, type Parsed, type SiitState} from './state.js';
import {lowerKeys, schemaErrors, type Translator} from './validate.js';

/** The file's text ('-': standard input). */
function readConfigText(file: string): string {
  const name = file === '-' ? 'standard input' : file;
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${name}: ${describeSystemError(err)}`);
  }
}

/** JSON.parse, with "line L column C" instead of a character offset. */
function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const msg = (err as Error).message;
    const m = /at position (\d+)/.exec(msg);
    let where = '';
    if (m) {
      const before = text.slice(0, Number(m[1]));
      const line = before.split('\n').length;
      where = ` at line ${line} column ${Number(m[1]) - before.lastIndexOf('\n')}`;
    }
    throw new ConfigError([`${name} is not valid JSON${where}: ${msg.replace(/ in JSON at position \d+.*$/, '').replace(/^Unexpected/, 'unexpected')}`]);
  }
}

export async function readConfig(type: 'SIIT', file: string, force: boolean): Promise<Parsed<SiitState>>;
export async function readConfig(type: 'NAT64', file: string, force: boolean): Promise<Parsed<Nat64State>>;
export async function readConfig(type: Translator, file: string, force: boolean): Promise<Parsed<SiitState> | Parsed<Nat64State>> {
  const name = file === '-' ? 'standard input' : file;
  const doc = lowerKeys(parseJsonText(readConfigText(file), name));
  const schema = await schemaErrors(type, doc);
  let parsed: Parsed<SiitState> | Parsed<Nat64State> | null = null;
  try {
    parsed = type === 'SIIT' ? parseSiitDocument(doc as Record<string, unknown>, force) : parseNat64Document(doc as Record<string, unknown>, force);
  } catch (err) {
    // Values of the wrong shape can trip the value parsers: the schema has named them already.
    if (schema.length === 0) throw err;
  }
  // Every error at once: the schema's, and those of values it cannot judge (elsewhere in the file).
  const pathOf = (e: string) => e.slice(0, e.indexOf(': ') < 0 ? e.length : e.indexOf(': '));
  const extra = (parsed?.errors ?? []).filter((e) => !schema.some((s) => pathOf(e).startsWith(pathOf(s)) || pathOf(s).startsWith(pathOf(e))));
  if (schema.length || extra.length) throw new ConfigError([...schema, ...extra]);
  return parsed!;
}
