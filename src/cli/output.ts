/**
 * Text and JSON renderers shared by the commands.
 */

/** JSON text of `value`; bigints are written as exact integer literals. */
export function toJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v !== 'bigint') return v;
      marks.push(v.toString());
      return `\u0000bigint${marks.length - 1}\u0000`;
    },
    2,
  );
  return (text ?? 'null').replace(/"\\u0000bigint(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]);
}

export interface TableOptions {
  /** Comma-separated values instead of a boxed table. */
  csv?: boolean;
  /** Leave out the header row. */
  noHeaders?: boolean;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A boxed table in the style of Jool's `display` operations, or CSV. */
export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  if (options.csv) {
    const lines = options.noHeaders ? [] : [headers.map(csvField).join(',')];
    for (const row of rows) lines.push(row.map(csvField).join(','));
    return lines.join('\n');
  }
  const widths = headers.map((h, i) => Math.max(options.noHeaders ? 0 : h.length, ...rows.map((r) => (r[i] ?? '').length), 1));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [rule];
  if (!options.noHeaders) out.push(line(headers), rule);
  for (const row of rows) out.push(line(row));
  if (rows.length > 0) out.push(rule);
  return out.join('\n');
}

/** `  key: value` lines, as Jool's `global display` prints them. */
export function renderKeyValues(pairs: [string, string][], options: TableOptions = {}): string {
  if (options.csv) return renderTable(['Key', 'Value'], pairs, options);
  return pairs.map(([k, v]) => `  ${k}: ${v}`).join('\n');
}
