/** Plain-text tables for the terminal: left-aligned text, right-aligned numbers. */

/** Renders `rows` under `headers`, columns padded to their widest cell. */
export const renderTable = (headers: string[], rows: string[][]): string => {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const numeric = headers.map(
    (_, column) => rows.length > 0 && rows.every((row) => /^[-+]?[\d.,]+( ?[a-zA-Z%/×]+)?$|^–$/.test(row[column] ?? '')),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
};

export const fixed = (value: number | undefined, digits = 1): string => (value === undefined ? '–' : value.toFixed(digits));
export const mib = (bytes: number | undefined): string => (bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(0));
export const duration = (seconds: number): string =>
  seconds >= 3600 ? `${seconds / 3600} h` : seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`;
