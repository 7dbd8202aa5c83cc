/** How `berth` prints what it got: aligned tables and fields for people, JSON for programs. */

const GAP = '  ';
/** What a table shows for a value that is absent. */
export const NONE = '-';

/** Rows of cells in columns as wide as their widest cell, two spaces apart; the last column is not padded. */
export function alignColumns(rows: readonly (readonly string[])[], indent = ''): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join(GAP).trimEnd())
    .join('\n');
}

/** A table with a header row; with no rows it is the header alone. */
export function table(headers: readonly string[], rows: readonly (readonly (string | undefined)[])[]): string {
  return alignColumns([headers.map((header) => header.toUpperCase()), ...rows.map((row) => row.map((cell) => cell || NONE))]);
}

/** One value per line after its label, for a single record. */
export function fields(pairs: readonly (readonly [string, string | undefined])[]): string {
  return alignColumns(pairs.map(([label, value]) => [`${label}:`, value || NONE]));
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** An SDK response without the SDK's request metadata, i.e. what the API answered. */
export function withoutMetadata<T extends object>(response: T): Omit<T, '$metadata'> {
  return Object.fromEntries(Object.entries(response).filter(([key]) => key !== '$metadata')) as Omit<T, '$metadata'>;
}

/** A timestamp to the second, in UTC: 2025-01-31T09:30:00Z. */
export function formatDate(date: Date | undefined): string | undefined {
  return date && date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A size in binary units, as berth push and copy count what they send (and their MiB/s): 512 B, 2.5 MiB. */
export function formatBytes(bytes: number | undefined): string | undefined {
  return scaled(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB']);
}

/** A size in decimal units, as docker shows image sizes (berth images list): 512 B, 2.5 MB. */
export function formatImageSize(bytes: number | undefined): string | undefined {
  return scaled(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB']);
}

function scaled(bytes: number | undefined, step: number, units: readonly string[]): string | undefined {
  if (bytes === undefined) return undefined;
  let value = bytes;
  let unit = 0;
  while (value >= step && unit < units.length - 1) {
    value /= step;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
