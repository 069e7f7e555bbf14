/**
 * Turns anything a command throws into one line of text, an exit code and,
 * under --verbose, extra detail.
 */
import {XlatError} from '../errors.js';

export interface ReportedError {
  /** One line, no trailing period needed, no "Error:" prefix. */
  message: string;
  exitCode: number;
  /** Lines shown only with --verbose (verifier log, stack). */
  detail?: string;
  /** Error class name, for --json consumers. */
  name: string;
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
  parse?: unknown;
}

function isOclifError(err: unknown): err is OclifLike {
  return err instanceof Error && typeof (err as OclifLike).oclif === 'object';
}

/** Reports a RequiredArgsError by argument names instead of oclif's multi-line list. */
function missingArgs(err: OclifLike): string | null {
  if (!/^Missing \d+ required arg/.test(err.message) || !Array.isArray(err.args)) return null;
  const names = (err.args as {name?: string}[]).map((a) => (a.name ?? '?').toUpperCase());
  return `missing required argument${names.length === 1 ? '' : 's'} ${names.join(' ')} (see --help)`;
}

export function reportError(err: unknown): ReportedError {
  if (err instanceof XlatError) {
    return {message: oneLine(err.message), exitCode: err.exitCode || 1, detail: err.detail, name: err.name};
  }
  if (isOclifError(err)) {
    // Flag/argument parse errors: the input was wrong, like InputError.
    const message = missingArgs(err) ?? oneLine(err.message).replace(/^Parsing (--\S+) /, '$1: ');
    const code = err.oclif?.exit;
    return {message, exitCode: typeof code === 'number' && code !== 0 ? code : 2, name: err.name};
  }
  if (err instanceof Error) {
    return {message: oneLine(err.message) || err.name, exitCode: 1, detail: err.stack, name: err.name};
  }
  return {message: oneLine(String(err)), exitCode: 1, name: 'Error'};
}
