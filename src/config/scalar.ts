/** A JSON scalar of a configuration file as the CLI would take it on its command line ("true", "300", "0x10"). */
export function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // Objects never reach here after schema validation; if one does, its parser refuses the JSON text it gets.
  return JSON.stringify(v) ?? 'undefined';
}
