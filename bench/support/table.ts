export type Align = 'left' | 'right';

/**
 * A plain-text table with aligned columns. Columns align right unless told
 * otherwise, which suits numbers; pass `align` for text columns. A cell with
 * line breaks spans several lines, which keeps long lists narrow.
 */
export function formatTable(headers: string[], rows: string[][], align: Align[] = []): string {
  const cellLines = rows.map((row) => headers.map((_, column) => (row[column] ?? '').split('\n')));
  const widths = headers.map((header, column) => Math.max(header.length, ...cellLines.flatMap((row) => row[column]!.map((line) => line.length))));
  const line = (cells: string[]) => cells
    .map((cell, column) => (align[column] === 'left' ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
    .join('  ')
    .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const body = cellLines.flatMap((row) => {
    const height = Math.max(...row.map((lines) => lines.length));
    return Array.from({ length: height }, (_, index) => line(row.map((lines) => lines[index] ?? '')));
  });
  return [line(headers), rule, ...body].join('\n');
}

export function printSection(title: string, body: string): void {
  console.log(`\n${title}\n${'='.repeat(title.length)}\n${body}`);
}

export function fixed(value: number, digits = 1): string {
  return value.toFixed(digits);
}
