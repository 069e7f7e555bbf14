/**
 * Turns anything a command throws into one line of text, an exit code and,
 * under --verbose, extra detail. oclif's own parse errors are rewritten into
 * the project's style ("unknown flag --bogus for 'xlat siit instance add'").
 */
import {ConfigError, EXIT, XlatError} from '../errors.js';

export interface ReportedError {
  /** One line, no trailing period needed, no "Error:" prefix. */
  message: string;
  exitCode: number;
  /** Lines shown only with --verbose (verifier log, stack). */
  detail?: string;
  /** True for errors no code path meant to throw (a bug). */
  internal: boolean;
  /** Several problems at once (a configuration file): one `Error:` line each. */
  problems?: string[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Collapses a multi-line message into one line. */
export function oneLine(message: string): string {
  return message
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^See more help with --help$/.test(l))
    .join(' ')
    .replace(/\s+/g, ' ');
}

interface OclifLike extends Error {
  oclif?: {exit?: number};
  args?: unknown;
  flag?: {name?: string};
}

function isOclifError(err: unknown): err is OclifLike {
  return err instanceof Error && typeof (err as OclifLike).oclif === 'object';
}

/** oclif's parse messages in the project's words; `cmd` is the command as typed ("siit instance add"). */
function rewriteParseError(err: OclifLike, cmd: string): string {
  const text = oneLine(err.message);
  const where = cmd ? ` for 'xlat ${cmd}'` : '';
  const help = cmd ? ` (see 'xlat ${cmd} --help')` : ' (see --help)';
  if (/^Missing \d+ required arg/.test(err.message) && Array.isArray(err.args)) {
    const names = (err.args as {name?: string}[]).map((a) => (a.name ?? '?').toUpperCase());
    return `missing required argument${names.length === 1 ? '' : 's'} ${names.join(' ')}${help}`;
  }
  let m = /^Nonexistent flags?: (.+?)(?: See more help.*)?$/.exec(text);
  if (m) {
    const flags = m[1].split(/,\s*/);
    return `unknown flag${flags.length === 1 ? '' : 's'} ${flags.join(', ')}${where}${help}`;
  }
  m = /Missing required flag:?\s*(\S+)/.exec(text);
  if (m) return `missing required flag --${m[1].replace(/^-+/, '')}${help}`;
  m = /^Expected --(\S+?)=(.*) to be one of: (.+)$/.exec(text);
  if (m) return `'${m[2]}' is not a valid value for --${m[1]}: expected one of ${m[3]}`;
  m = /^Expected (.+) to be one of: (.+)$/.exec(text);
  if (m) return `'${m[1]}' is not a valid value: expected one of ${m[2]}${help}`;
  m = /^Flag --(\S+) expects a value/.exec(text);
  if (m) return `flag --${m[1]} needs a value${help}`;
  m = /^Flag --(\S+) expects one of these values: (.+)$/.exec(text);
  if (m) return `flag --${m[1]} needs a value: one of ${m[2]}`;
  m = /^Flag --(\S+) can only be specified once/.exec(text);
  if (m) return `flag --${m[1]} may be given only once`;
  m = /^Unexpected arguments?: (.+?)(?: See more help.*)?$/.exec(text);
  if (m) {
    const extra = m[1].split(/,\s*/);
    return `unexpected argument${extra.length === 1 ? '' : 's'} ${extra.map((e) => `'${e}'`).join(' ')}${where}${help}`;
  }
  return text.replace(/^Parsing (--\S+) /, '$1: ');
}

export function reportError(err: unknown, cmd = ''): ReportedError {
  if (err instanceof ConfigError) {
    return {message: oneLine(err.message), exitCode: err.exitCode, internal: false, problems: err.problems.map(oneLine)};
  }
  if (err instanceof XlatError) {
    return {message: oneLine(err.message), exitCode: err.exitCode || EXIT.failure, detail: err.detail, internal: false};
  }
  if (isOclifError(err)) {
    // Flag/argument parse errors: the input was wrong.
    return {message: rewriteParseError(err, cmd), exitCode: EXIT.input, internal: false};
  }
  if (err instanceof Error) {
    return {message: oneLine(err.message) || err.name, exitCode: EXIT.failure, detail: err.stack, internal: true};
  }
  return {message: oneLine(String(err)), exitCode: EXIT.failure, internal: true};
}
