/**
 * Value syntaxes shared by every command and the configuration file, as Jool
 * accepts them: booleans, durations, "unset". Pure logic.
 */
import {InputError} from '../errors.js';

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

/** true/false, yes/no, on/off, 1/0, in any case. */
export function parseBool(key: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE.includes(t)) return true;
  if (FALSE.includes(t)) return false;
  throw new InputError(`'${text}' is not a valid value for ${key}: expected true or false (also yes/no, on/off, 1/0)`);
}

/** The words `global display` prints for an unset prefix, and `null`: all mean "unset". */
export function isUnsetWord(text: string): boolean {
  return ['null', '(unset)', 'unset', 'none', ''].includes(text.trim().toLowerCase());
}

/**
 * A duration as Jool writes it, `[[HH:]MM:]SS[.mmm]`, or plain seconds;
 * returns whole seconds (a fraction is rounded up: the data plane counts
 * seconds). The H:MM:SS that `global display` prints parses back.
 */
export function parseDuration(key: string, text: string): number {
  const bad = () => new InputError(`'${text}' is not a valid value for ${key}: expected seconds or [[HH:]MM:]SS[.mmm], e.g. 0:05:00`);
  const m = /^(?:(?:(\d{1,6}):)?(\d{1,2}):)?(\d{1,9})(?:\.(\d{1,3}))?$/.exec(text.trim());
  if (!m) throw bad();
  const [h, mi, s] = [Number(m[1] ?? 0), Number(m[2] ?? 0), Number(m[3])];
  // With minutes present, seconds are 0-59; alone they may be any count.
  if (m[2] !== undefined && (mi > 59 || s > 59)) throw bad();
  const ms = m[4] === undefined ? 0 : Number(m[4].padEnd(3, '0'));
  return h * 3600 + mi * 60 + s + (ms > 0 ? 1 : 0);
}

/** H:MM:SS of a number of seconds (what Jool's `global display` prints). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
