/** Number and table formatting shared by the bench's markdown reports. */

export const span = (millis: number) => (millis < 60_000 ? `${millis / 1000} s` : `${Math.round((millis / 60_000) * 10) / 10} min`);
export const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
export const us = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** A table row; a `|` inside a cell (an error message) would end the cell early. */
export const row = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
export const rule = (n: number) => row(Array.from({ length: n }, () => '---'));
