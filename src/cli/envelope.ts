/**
 * The one JSON envelope of every command under --json (schema/output.schema.json):
 *
 *   success, on stdout:  {"ok": true, "command": "siit eamt add", "changed": true, "result": {...}, "warnings": []}
 *   failure, on stderr:  {"ok": false, "command": "siit eamt add", "error": {"kind": "exists", "message": "...", "exit-code": 4}}
 *
 * `result` is the command's own object (keys in kebab-case, as the
 * configuration file's); `changed` says whether the command changed the
 * kernel's state (false for every display).
 */
import {kindOfExitCode, type ErrorKind} from '../errors.js';

export interface SuccessEnvelope<R> {
  ok: true;
  command: string;
  changed: boolean;
  result: R;
  warnings: string[];
}

export interface ErrorEnvelope {
  ok: false;
  command: string | null;
  error: {kind: ErrorKind; message: string; 'exit-code': number; detail?: string; problems?: string[]};
}

export function successEnvelope<R>(command: string, result: R, changed: boolean, warnings: string[]): SuccessEnvelope<R> {
  return {ok: true, command, changed, result, warnings};
}

function errorEnvelope(command: string | null, message: string, exitCode: number, detail?: string, internal = false, problems?: string[]): ErrorEnvelope {
  const error: ErrorEnvelope['error'] = {kind: internal ? 'internal' : kindOfExitCode(exitCode), message, 'exit-code': exitCode};
  if (detail !== undefined) error.detail = detail;
  if (problems !== undefined) error.problems = problems;
  return {ok: false, command, error};
}

/**
 * Writes a failure the way the contract says: a JSON object on stderr under
 * --json, else one `Error:` line (one per problem of a configuration file).
 */
export function writeError(
  json: boolean,
  command: string | null,
  message: string,
  exitCode: number,
  detail?: string,
  internal = false,
  problems?: string[],
): void {
  if (json) {
    // One line, like the text form: a script reads it whole.
    process.stderr.write(`${JSON.stringify(errorEnvelope(command, message, exitCode, detail, internal, problems))}\n`);
    return;
  }
  let text = (problems ?? [message]).map((p) => `Error: ${p}\n`).join('');
  if (detail) text += `${detail.replace(/\n*$/, '')}\n`;
  process.stderr.write(text);
}
